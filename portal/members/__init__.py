"""Member companies: the register, their directory data, staff management and import."""
