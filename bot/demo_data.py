"""Example mentions and tickets written for the demo (not from any data set)."""

from __future__ import annotations

MENTIONS: list[tuple[str, str, int, bool]] = [
    # (handle, text, followers, verified)
    ("maria_k", "The salesperson at your Oxford St store was so pushy I walked out. Never again @acme", 820, False),
    (
        "dan_reviews",
        "@acme staff at the checkout were rude and laughed at my question. Really unprofessional.",
        45_200,
        True,
    ),
    (
        "jules",
        "Why does your sales guy keep pushing the extended warranty after I said no three times? @acme",
        310,
        False,
    ),
    ("priya_s", "@acme the manager yelled at my elderly mum in your Leeds store today. I'm furious.", 2_100, False),
    ("tomw", "Ordered 12 days ago, still no delivery and tracking hasn't moved @acme", 150, False),
    ("kat", "@acme your courier says delivered, parcel is nowhere. Third time this month.", 1_200, False),
    ("ben_h", "Next day delivery my foot. A week later and nothing @acme", 95, False),
    ("leo", "@acme I was charged twice for the same order and nobody answers my emails", 640, False),
    ("aisha", "Still waiting for my refund after 3 weeks @acme, I'm going to file a chargeback", 3_300, False),
    ("olga", "@acme the promo code didn't apply and the till overcharged me", 210, False),
    ("mike_t", "The blender I bought from @acme died after two days. Junk.", 400, False),
    ("sara", "@acme my new kettle leaks everywhere. Want a refund.", 75, False),
    ("jon", "Screen arrived cracked, box was fine. Not impressed @acme", 1_050, False),
    (
        "safety_mom",
        "@acme your phone charger caught fire on my desk last night. My kids could have been hurt!",
        12_400,
        False,
    ),
    ("rick", "My son cut his hand on a sharp edge of the toy from @acme. Talking to a lawyer.", 530, False),
    ("nina", "I had an allergic reaction, the @acme snack label didn't list nuts!!", 8_900, True),
    (
        "newsdesk_tv",
        "We're hearing reports of @acme heaters sparking. Customers, get in touch with our newsroom.",
        250_000,
        True,
    ),
    ("happyhannah", "Shoutout to the team at @acme Camden, Jess helped me find the perfect gift!", 430, False),
    ("greg", "Fast delivery and great packaging, thanks @acme", 120, False),
    ("lucy", "@acme love the new store layout, so easy to find things", 980, False),
    ("chris", "Does @acme open on bank holidays?", 60, False),
    ("dev_ana", "Picked up my order from @acme in 5 minutes, smooth", 300, False),
    ("paul", "@acme is the Manchester store open late on Thursdays?", 40, False),
    ("zoe", "Honestly the best customer service I've had, thank you @acme!", 2_700, False),
    ("maria_k", "@acme still no reply about the pushy salesperson. Cancelling my store card.", 820, False),
]

TICKETS: list[tuple[str, str, str, str]] = [
    # (email, tier, subject, body)
    (
        "ceo@bigco.example",
        "enterprise",
        "Invoice charged twice",
        "Our corporate card was billed twice for PO 4471. Please refund the duplicate today or we will escalate.",
    ),
    (
        "alex@example.com",
        "standard",
        "Order not arrived",
        "My order #88213 was due last Monday. Tracking shows nothing since. Where is it?",
    ),
    (
        "vip.shopper@example.com",
        "vip",
        "Rude staff in Bristol",
        "The assistant in your Bristol store was condescending and pressured me into a purchase I didn't want.",
    ),
    (
        "sam@example.com",
        "standard",
        "Heater smells of burning",
        "The heater I bought sparked and smelled of burning plastic. I'm scared to use it. Is this safe?",
    ),
    (
        "lee@example.com",
        "standard",
        "Faulty zipper",
        "The zipper fell off the bag the first time I used it. Can I get a replacement?",
    ),
    ("kim@example.com", "standard", "Thank you", "Just wanted to say the store team in York were lovely. Thanks!"),
    (
        "fin@example.com",
        "standard",
        "Refund still pending",
        "I returned my jacket 20 days ago and still have no refund. This is the third time I'm writing.",
    ),
]
