"""Plain functions over the database: no FastAPI, Bolt or tweepy imports here."""
