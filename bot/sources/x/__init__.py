"""The X connector (tweepy): mentions polled in (`mentions.py`, run by `bot.workers.x_poller`), replies posted
back (`replier.py`), all through one routed tweepy client (`client.py`)."""
