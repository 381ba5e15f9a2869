"""A configuration as a link's query parameters, and back.

Links stay short and readable: one flat parameter per setting that differs from the default
(``?task=copy&delay=30&cell=gru&seed=3``); every field name is unique across the sections, and the
task's ``name`` is written ``task``. Reading is forgiving: a parameter that is unknown, malformed, out of
range or stands for the user's own data (a link carries none) is left out, the setting keeps its default, and
the reason is returned for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace

from rnn_core.config import SECTIONS, USER_DATA_CHOICES, ExperimentConfig
from rnn_core.data.tasks import Task, make_task
from rnn_core.train.models import SequenceModel

RENAMED = {("task", "name"): "task"}  # a field whose own name would say too little in a URL
# Settings the app has no control for (no label in their Setting) stay out of links: a link must not reach past what
# the sidebar offers (a probe batch of 64 would make every snapshot and export 16 times larger).
NOT_IN_LINKS = {(section, f.name) for section, cls in SECTIONS.items() for f in fields(cls) if f.metadata["setting"].label is None}


def parameter_name(section: str, field_name: str) -> str:
    return RENAMED.get((section, field_name), field_name)


# parameter name -> (section, field, type); tests check that no two sections share a name
FIELDS = {
    parameter_name(section, f.name): (section, f.name, type(f.default))
    for section, cls in SECTIONS.items()
    for f in fields(cls)
    if (section, f.name) not in NOT_IN_LINKS
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def config_to_params(config: ExperimentConfig, steps: int = 0, presenting: bool = False) -> dict[str, str]:
    """The query parameters that rebuild ``config``: only the settings that differ from the defaults."""
    default, params = ExperimentConfig(), {}
    for name, (section, field_name, _) in FIELDS.items():
        value = getattr(getattr(config, section), field_name)
        if value != getattr(getattr(default, section), field_name):
            params[name] = _text(value)
    if config.seed != default.seed:
        params["seed"] = str(config.seed)
    if steps:
        params["steps"] = str(steps)
    if presenting:
        params["present"] = "1"
    return params


def _parse(text: str, kind: type):
    """``text`` as a value of ``kind``; ValueError with a reason a student can read."""
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("not 1 or 0")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError("not a whole number") from None
    if kind is float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    return text


def _refuse_user_data(field_name: str, value) -> None:
    """Links carry settings, never a user's own text or CSV: a choice that stands for them cannot come from a link."""
    choice = USER_DATA_CHOICES.get(field_name)
    if choice is not None and value == choice[0]:
        raise ValueError(f"a link cannot carry {choice[1]}, so the default stands in: add yours under Task")


def config_from_params(params: Mapping[str, str]) -> tuple[ExperimentConfig, int, bool, list[str]]:
    """The configuration, step count and presentation flag a link asks for, and what in it was not used and why.

    Each setting is checked on its own against the defaults of the others, so one bad value costs only itself.
    """
    problems: list[str] = []
    sections = {name: cls() for name, cls in SECTIONS.items()}
    seed, steps, presenting = 0, 0, False
    for name, text in params.items():
        text = str(text)
        try:
            if name in FIELDS:
                section, field_name, kind = FIELDS[name]
                value = _parse(text, kind)
                _refuse_user_data(field_name, value)
                sections[section] = replace(sections[section], **{field_name: value})
            elif name == "seed":
                seed = _parse(text, int)
                ExperimentConfig(seed=seed)
            elif name == "steps":
                steps = _parse(text, int)
                if steps < 0:
                    steps = 0
                    raise ValueError("must be 0 or more")
            elif name == "present":
                presenting = _parse(text, bool)
            else:
                problems.append(f"`{name}` is not a setting a link can change")
        except ValueError as e:
            if name == "seed":
                seed = 0
            problems.append(f"`{name}={text[:40]}`: {e}")
    return ExperimentConfig(**sections, seed=seed), steps, presenting, problems


def changed_settings(config: ExperimentConfig) -> list[str]:
    """The link parameters of ``config`` that differ from the defaults, in link order."""
    return [name for name in config_to_params(config) if name in FIELDS]


def without(config: ExperimentConfig, name: str) -> ExperimentConfig:
    """``config`` with the setting a link parameter names back at its default."""
    section, field_name, _ = FIELDS[name]
    default = getattr(getattr(ExperimentConfig(), section), field_name)
    return replace(config, **{section: replace(getattr(config, section), **{field_name: default})})


def refusal(config: ExperimentConfig, check: Callable[[ExperimentConfig, Task], None]) -> str | None:
    """Why ``config`` cannot be built here (``check`` holds a server's limits; a bidirectional model that would read
    ahead, a count too short for one window), as a sentence, or None."""
    try:
        task = make_task(config.task)
        check(config, task)
        SequenceModel(config.model, task)
    except ValueError as e:
        reason = str(e).rstrip(".")
        return reason[:1].upper() + reason[1:]
    return None


def buildable(config: ExperimentConfig, problems: list[str], check: Callable[[ExperimentConfig, Task], None]) -> ExperimentConfig:
    """Put settings back to their defaults, one at a time, until the experiment can be built; each one put back is
    added to ``problems`` with the reason.

    A setting goes when leaving it out removes the refusal or changes it (another setting is then in the way),
    so that one setting past a limit costs only itself. The most specific settings are tried first (a task's
    options before the task itself), so that ``task=copy&delay=500`` keeps the copy task.
    """
    reason = refusal(config, check)
    while reason is not None:
        for name in reversed(changed_settings(config)):
            candidate = without(config, name)
            after = refusal(candidate, check)
            if after != reason:
                problems.append(f"{reason}. `{name}` is left at its default.")
                config, reason = candidate, after
                break
        else:
            problems.append(f"{reason}. The default experiment is used instead.")
            return ExperimentConfig()
    return config
