"""Reports built on the server: the DSMB safety report as PDF."""
