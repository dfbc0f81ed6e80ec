from odoo.tests import BaseCase

from ..tools import blacklist_keys

SHANGHAI = "+86 21 5555 0100"
PHILADELPHIA = "+1 215 555 0100"
USCC = "91310000MA1FL8XQ37"  # a Chinese unified social credit code


class TestBlacklistKeys(BaseCase):
    """The admission keys, on plain values: Odoo's email normalisation, its
    phonenumbers formatting and python-stdnum's tax ids."""

    def test_names(self):
        self.assertEqual(blacklist_keys.name_key("ACME Co., Ltd."), "acmecoltd")
        self.assertEqual(blacklist_keys.name_key("上海 示例 贸易"), "上海示例贸易")
        self.assertFalse(blacklist_keys.name_key(" ., "))

    def test_phones_are_e164_in_their_country(self):
        shanghai = blacklist_keys.phone_key(SHANGHAI, "CN")
        self.assertEqual(shanghai, "+862155550100")
        # the same last nine digits, another city on another continent
        self.assertNotEqual(blacklist_keys.phone_key(PHILADELPHIA, "US"), shanghai)
        self.assertNotEqual(blacklist_keys.phone_key(PHILADELPHIA, "CN"), shanghai)
        # the number as a Chinese customer writes it
        self.assertEqual(blacklist_keys.phone_key("021-5555-0100", "CN"), shanghai)
        self.assertEqual(blacklist_keys.phone_key("0086 21 5555 0100", "CN"), shanghai)
        # an international number is the same whatever the country
        self.assertEqual(blacklist_keys.phone_key(SHANGHAI, "US"), shanghai)
        self.assertEqual(blacklist_keys.phone_key(SHANGHAI), shanghai)
        self.assertEqual(
            blacklist_keys.phone_key("(215) 555-0100", "US"),
            blacklist_keys.phone_key(PHILADELPHIA),
        )
        # a number the library cannot read keeps its digits: typed alike, it still matches
        self.assertEqual(blacklist_keys.phone_key("021-5555-0100"), "02155550100")
        self.assertNotEqual(blacklist_keys.phone_key("021-5555-0100", "US"), shanghai)
        self.assertFalse(blacklist_keys.phone_key("12", "CN"))
        self.assertFalse(blacklist_keys.phone_key(""))

    def test_emails(self):
        self.assertEqual(blacklist_keys.email_key("Li <li@x.cn>"), "li@x.cn")
        self.assertEqual(blacklist_keys.email_key(" Buyer@Example.COM "), "buyer@example.com")
        self.assertEqual(blacklist_keys.email_keys('"Li" <Li@X.cn>, b@y.cn'), {"li@x.cn", "b@y.cn"})
        self.assertFalse(blacklist_keys.email_key("no address"))
        self.assertEqual(blacklist_keys.email_keys(False), set())

    def test_tax_ids(self):
        uscc = blacklist_keys.vat_key(USCC, "CN")
        self.assertEqual(uscc, USCC)
        self.assertEqual(blacklist_keys.vat_key("9131 0000-ma1fl8xq37", "CN"), uscc)
        self.assertEqual(blacklist_keys.vat_key(" cn 91310000.MA1FL8XQ37", "US"), uscc)
        self.assertEqual(blacklist_keys.vat_key(f"CN{USCC}"), uscc)
        self.assertNotEqual(blacklist_keys.vat_key("91310000MA1FL8XQ28", "CN"), uscc)
        self.assertEqual(
            blacklist_keys.vat_key("DE 123.456.789"), blacklist_keys.vat_key("123456789", "DE")
        )
        self.assertFalse(blacklist_keys.vat_key(" - "))

    def test_keys_of_a_partner(self):
        self.assertEqual(
            blacklist_keys.keys(
                "Li Trading", "9131 0000-ma1fl8xq37", "Li <li@x.cn>", ("021-5555-0100", ""), "CN"
            ),
            {
                "name_key": {"litrading"},
                "vat_key": {USCC},
                "email_key": {"li@x.cn"},
                "phone_key": {"+862155550100"},
            },
        )
        self.assertEqual(blacklist_keys.keys("", None, "", (False,)), {})
