from urllib.parse import parse_qs, urlencode, urlparse

from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestUnsubscribe(HttpCase):
    """The one-click link of a mailing puts the address on the blacklist;
    a link whose token does not match is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        category = cls.env["res.partner.category"].create({"name": "Unsubscribe test"})
        cls.partner, cls.other = cls.env["res.partner"].create(
            [
                {
                    "name": "Ursula Unsub",
                    "email": "Ursula@Example.com",
                    "category_id": [Command.set(category.ids)],
                },
                {
                    "name": "Otto Other",
                    "email": "otto@example.com",
                    "category_id": [Command.set(category.ids)],
                },
            ]
        )
        segment = cls.env["crm.lite.segment"].create(
            {
                "name": "Unsubscribe test",
                "domain": f"[('category_id', 'in', [{category.id}])]",
            }
        )
        cls.mailing = cls.env["crm.lite.mailing"].create(
            {
                "name": "Unsubscribe test",
                "subject": "News for {{first_name}}",
                "body_html": "<p>Hi</p>"
                '<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
                "segment_id": segment.id,
            }
        )
        cls.mailing.action_send()
        cls.env["crm.lite.mailing"]._cron_send_mailings()
        cls.recipient = cls.mailing.recipient_ids.filtered(
            lambda r: r.partner_id == cls.partner
        )
        cls.other_recipient = cls.mailing.recipient_ids - cls.recipient
        cls.env.flush_all()

    def _blacklist(self, email):
        self.env.invalidate_all()
        return (
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", email)])
        )

    def _url(self, record, **params):
        url = urlparse(record._get_unsubscribe_url())
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        query.update(params)
        return f"{url.path}?{urlencode(query)}"

    def test_link_in_mail(self):
        self.assertEqual(self.recipient.state, "sent")
        mail = self.env["mail.mail"].browse(self.recipient.mail_mail_id_int)
        url = self.recipient._get_unsubscribe_url()
        self.assertTrue(url.startswith(self.base_url() + "/crm_lite/unsubscribe?"))
        self.assertIn(url.replace("&", "&amp;"), mail.body_html)

    def test_unsubscribe_get(self):
        self.assertFalse(self._blacklist("ursula@example.com"))
        response = self.url_open(self.recipient._get_unsubscribe_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("ursula@example.com", response.text)
        blacklist = self._blacklist("ursula@example.com")
        self.assertEqual(len(blacklist), 1)
        self.assertTrue(blacklist.active)
        self.assertTrue(self.partner.is_blacklisted)
        self.assertFalse(
            self._blacklist("otto@example.com"), "Only the owner of the link"
        )
        # Clicking twice is harmless.
        response = self.url_open(self.recipient._get_unsubscribe_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self._blacklist("ursula@example.com")), 1)

    def test_unsubscribe_one_click_post(self):
        """RFC 8058: mail clients POST ``List-Unsubscribe=One-Click``."""
        response = self.url_open(
            self.recipient._get_unsubscribe_url(),
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self._blacklist("ursula@example.com").active)

    def test_unsubscribe_again_after_resubscribe(self):
        self.env["mail.blacklist"]._add("ursula@example.com")
        self.env["mail.blacklist"]._remove("ursula@example.com")
        self.env.flush_all()
        self.assertFalse(self._blacklist("ursula@example.com").active)
        response = self.url_open(self.recipient._get_unsubscribe_url())
        self.assertEqual(response.status_code, 200)
        blacklist = self._blacklist("ursula@example.com")
        self.assertEqual(len(blacklist), 1)
        self.assertTrue(blacklist.active)

    def test_refused(self):
        token = self.recipient._get_unsubscribe_token()
        tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
        bad_urls = [
            self._url(self.recipient, token=tampered),
            self._url(self.recipient, token=""),
            # Somebody else's token does not unsubscribe Ursula.
            self._url(
                self.recipient, token=self.other_recipient._get_unsubscribe_token()
            ),
            self._url(self.recipient, recipient=self.other_recipient.id),
            self._url(self.recipient, recipient=999999999),
            self._url(self.recipient, recipient="abc"),
            "/crm_lite/unsubscribe",
        ]
        for url in bad_urls:
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 403)
                response = self.url_open(url, data={"List-Unsubscribe": "One-Click"})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self._blacklist("ursula@example.com"))
        self.assertFalse(self._blacklist("otto@example.com"))
        self.assertFalse(self.partner.is_blacklisted)
