"""Review invitations: easy invite link with QR code, customer-list upload and sending."""
