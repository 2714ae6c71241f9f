"""Assignments, due dates, compliance status and officers' corrections."""
