"""Getting a serious case in front of its owner: Slack cards as records, flood themes, re-pings up the chain,
keeping cards current."""
