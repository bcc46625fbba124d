"""Review systems: providers, linking, sync engine, scores."""
