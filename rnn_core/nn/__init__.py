"""The networks themselves: one function per cell step (``cells``), layers written out a time step at a time and
drop-in for torch's (``layers``), and what a layer records of its insides (``recording``). Depends on torch only."""
