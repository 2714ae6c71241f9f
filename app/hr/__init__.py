"""Employee records from the council's HR system."""
