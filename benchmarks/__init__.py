"""orderflow's change-status benchmark: the real server over HTTP against the raw-SQL floor."""
