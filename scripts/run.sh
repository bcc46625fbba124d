#!/usr/bin/env bash
# Install and run the portal on the embedded default: SQLite under instance/, demo data, provider emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export FLASK_APP=wsgi
export PORTAL_ENV=development
export EMULATOR_PORT=${EMULATOR_PORT:-5055}
export PORT=${PORT:-5000}
export IDP_PORT=${IDP_PORT:-5056}
export PROVIDER_BASE_URLS="klantenvertellen=http://127.0.0.1:${EMULATOR_PORT},kiyoh=http://127.0.0.1:${EMULATOR_PORT},feedback_company=http://127.0.0.1:${EMULATOR_PORT}"
export PROVIDER_ALLOWED_HOSTS=127.0.0.1
export PUBLIC_BASE_URL="http://127.0.0.1:${PORT}"
# Mail goes over real SMTP to the development mail sink (plain SMTP on loopback only).
export MAIL_PORT=${MAIL_PORT:-8025}
export MAIL_SMTP_HOST=127.0.0.1 MAIL_SMTP_PORT="$MAIL_PORT" MAIL_SMTP_TLS=none
# Single sign-on against a local OpenID Connect provider (oidc-provider-mock) with demo users.
export OIDC_ISSUER="http://127.0.0.1:${IDP_PORT}" OIDC_CLIENT_ID=ledenportaal-demo
export OIDC_CLIENT_SECRET=demo-client-secret OIDC_FOR=both
export OIDC_STAFF_GROUPS=portal-staff OIDC_ADMIN_GROUPS=portal-admins
mkdir -p instance

echo "== Database migrations"
.venv/bin/flask db upgrade
echo "== Demo data (skipped when already present)"
.venv/bin/flask demo seed
.venv/bin/flask agreements publish-default

echo "== Provider emulator on http://127.0.0.1:${EMULATOR_PORT}"
.venv/bin/python -m portal.dev.provider_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" \
  > instance/emulator.log 2>&1 &
emulator=$!
echo "== OpenID Connect provider (demo single sign-on) on ${OIDC_ISSUER}"
.venv/bin/oidc-provider-mock --host 127.0.0.1 --port "$IDP_PORT" \
  --user-claims '{"sub": "staf", "email": "staf@example.nl", "email_verified": true, "name": "Sanne Visser", "groups": ["portal-staff"], "amr": ["pwd", "mfa"]}' \
  --user-claims '{"sub": "admin", "email": "admin@example.nl", "email_verified": true, "name": "Pieter de Graaf", "groups": ["portal-admins"], "amr": ["pwd"]}' \
  --user-claims '{"sub": "beheerder", "email": "beheerder@example.nl", "email_verified": true, "name": "Kees de Vries"}' \
  > instance/idp.log 2>&1 &
idp=$!
echo "== Mail sink on 127.0.0.1:${MAIL_PORT} (messages in instance/mail/new)"
.venv/bin/python -m portal.dev.mail_sink --port "$MAIL_PORT" --maildir instance/mail \
  > instance/mail_sink.log 2>&1 &
mailsink=$!
# The outbox job as cron would run it, every 15 seconds.
( while sleep 15; do .venv/bin/flask outbox send >/dev/null 2>&1 || true; done ) &
outbox_loop=$!
trap 'kill $emulator $idp $mailsink $outbox_loop 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  .venv/bin/python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', int('$EMULATOR_PORT'))))" && break
  sleep 0.2
done

echo "== Review sync against the emulator"
.venv/bin/flask reviews sync || echo "(sync reported problems; see the staff pages)"
echo "== Recent reviews of the demo companies (negative-review follow-up in the complaint register)"
.venv/bin/flask demo fetch-reviews || echo "(review fetch reported problems)"

cat <<EOT

  Ledenportaal runs at   http://127.0.0.1:${PORT}/
  Ledenzoeker            http://127.0.0.1:${PORT}/ledenzoeker
  Demo logins (development only) are printed above and listed in the README.
  Staff need a TOTP code: '.venv/bin/flask demo totp <e-mail>' prints the current one.
  Single sign-on: "Inloggen met je verenigingsaccount" on the login page goes to the demo IdP
  at ${OIDC_ISSUER}; pick staf, admin or beheerder there (see the README).
  Mail (reset and activation links too) arrives in instance/mail/new/ within 15 seconds.
  Stop with Ctrl+C.

EOT
.venv/bin/gunicorn -c gunicorn.conf.py --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --access-logfile - wsgi:app
