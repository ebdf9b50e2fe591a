"""Account-opening service: owns every piece of account-opening data (see README.md)."""
