"""Side effects written with the state change (Slack posts, replies to customers): enqueue, claim, recover; the
dispatcher is bot.workers.outbox."""
