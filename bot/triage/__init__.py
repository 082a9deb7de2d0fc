"""From a stored case to a decision: claiming cases to classify, storing the model's outcome and escalation,
people's corrections."""
