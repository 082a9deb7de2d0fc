"""Where cases come from and where replies to the customer go back (X, Zendesk, Freshdesk, ...)."""
