"""Slack: the Bolt app (events, buttons, modals, /complaints, App Home), Block Kit builders and the outbox
deliverers that post and update escalation cards. Services never import from here."""
