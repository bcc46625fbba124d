"""AVG: privacy statement, self-service export and erasure, staff requests, registers, retention."""
