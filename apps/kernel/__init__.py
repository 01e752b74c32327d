"""The kernel every app builds on: time zones, multilingual text, database helpers, errors,
the environment, request limits and what the API's views share. It imports no app."""
