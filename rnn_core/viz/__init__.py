"""Figures as plain Plotly specs (``figures``): built from arrays, drawn by the app, validated in the tests."""
