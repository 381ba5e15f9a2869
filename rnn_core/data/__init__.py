"""What the networks learn from: the built-in texts and a user's own text or series (``texts``), and the tasks that
turn them into batches (``tasks``)."""
