"""Fault drills: the outbox under a killed worker, a broker or database outage, a refusing
SMTP server, two beats and a late clock, on private services. Run with `make faults`."""
