from classifiers import normalize


def test_handles_become_user() -> None:
    assert normalize("@VW_Support hi @a1") == "@user hi @user"


def test_links_become_http() -> None:
    assert normalize("see https://t.co/abc?x=1 and http://x.io www.example.com") == "see http and http http"


def test_whitespace_is_squeezed_and_stripped() -> None:
    assert normalize("  my\n\norder   is\tlate  ") == "my order is late"


def test_email_and_lone_at_are_left_alone() -> None:
    assert normalize("mail me at a@b.com @ noon") == "mail me at a@b.com @ noon"


def test_normalize_is_idempotent() -> None:
    text = "@user broke it http"
    assert normalize(text) == text
