"""Exports for auditors: compliance lists and the person × module matrix as CSV and XLSX."""
