"""What people do to a case, from Slack, the API or the web: acknowledge, reply, resolve, snooze, remind the team,
correct the model."""
