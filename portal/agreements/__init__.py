"""Verwerkersovereenkomst: versioned processor agreement, PDF and acceptance."""
