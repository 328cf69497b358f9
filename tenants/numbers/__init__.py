"""Phone and fax numbers: the service's pool, shops' rentals, quarantine after release."""
