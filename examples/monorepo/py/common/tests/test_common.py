from acme_common import format_minor, slug


def test_format_minor_pads_cents_and_keeps_sign():
    assert format_minor(1999, "EUR") == "19.99 EUR"
    assert format_minor(5, "USD") == "0.05 USD"
    assert format_minor(-250, "EUR") == "-2.50 EUR"


def test_slug_joins_words_with_dashes():
    assert slug("Hello, World!") == "hello-world"
    assert slug("  Order  #42 ready ") == "order-42-ready"
    assert slug("") == ""
