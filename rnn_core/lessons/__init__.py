"""The lecture notes' computations, worked out so the pages can show them (``notes``)."""
