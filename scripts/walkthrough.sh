#!/usr/bin/env bash
# The README's curl walk-through as one script, against a running `make run` (demo mode):
# register → token → catalogue → draft → some uploads → precheck → submit → every problem at once →
# supplement, confirm the generated application form → resubmit → accepted with the review deadline →
# both demo experts approve → the decision letter.
# Usage: bash scripts/walkthrough.sh [BASE_URL]     (default http://127.0.0.1:8000)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${1:-http://127.0.0.1:${PORT:-8000}}"
API="$BASE/api/v1"
S=docs/samples
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
say() { printf '\n== %s\n' "$*"; }

# A demo insured person (applications/data/insured_demo.csv) not registered yet, so the
# insurance check passes: each run takes the next free one of the active demo people.
USER="walk$(date +%s)"
say "1. register"
REGISTERED=""
while IFS=, read -r ID_NUMBER NAME _TYPE REGION _SINCE STATUS; do
  [ "$STATUS" = active ] && [ "${REGION:0:4}" = 6209 ] || continue
  # A one-time code to the phone first: demo mode writes every SMS to var/log/sms.log.
  PHONE="1390937$(printf %04d $((RANDOM % 10000)))"
  curl -sf -X POST "$API/auth/sms-code/" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$PHONE\",\"purpose\":\"register\"}"
  sleep 0.5
  CODE=$(grep "${PHONE:0:3}\*\*\*\*${PHONE:7:4}" "${VAR_DIR:-var}/log/sms.log" | tail -n 1 | grep -o '验证码[0-9]*' | grep -o '[0-9]\{6\}')
  curl -sf -X POST "$API/auth/register/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$USER\",\"password\":\"Jiuquan-2026!\",\"name\":\"$NAME\",\"id_number\":\"$ID_NUMBER\",\"phone\":\"$PHONE\",\"sms_code\":\"$CODE\"}"
  echo
  # The same answer whether or not this ID number had an account already: the token says which.
  if curl -sf -X POST "$API/auth/token/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$USER\",\"password\":\"Jiuquan-2026!\"}" >/dev/null; then
    REGISTERED=1; break
  fi
done < <(tail -n +2 applications/data/insured_demo.csv)
[ -n "$REGISTERED" ] || { echo "every active demo person has an account already; run against a fresh database"; exit 1; }
say "2. token"
TOKEN=$(curl -sf -X POST "$API/auth/token/" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$USER\",\"password\":\"Jiuquan-2026!\"}" | json 'd["access"]')
AUTH="Authorization: Bearer $TOKEN"

say "3. catalogue: diabetes and level-3 hospitals"
curl -sf "$API/diseases/" | json '[x for x in d if x["code"]=="M01600"][0]'
HOSPITAL=$(curl -sf "$API/hospitals/?level=3&region_code=620902" | json 'd[0]["code"]')
echo "diagnosing hospital: $HOSPITAL"

say "4. draft"
APP=$(curl -sf -X POST "$API/applications/" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"disease_code\":\"M01600\",\"diagnosis_date\":\"$(date -d '-60 days' +%F)\",\"diagnosing_hospital\":\"$HOSPITAL\",\"designated_points\":[\"$HOSPITAL\"]}" \
  | json 'd["id"]')
echo "application $APP"

upload() { # kind file [issued_on hospital]
  local extra=()
  [ $# -ge 3 ] && extra=(-F "issued_on=$3" -F "hospital=$4")
  curl -sf -X POST "$API/applications/$APP/documents/" -H "$AUTH" -F "kind=$1" -F "file=@$2" "${extra[@]}" \
    | json 'd["kind"] + " " + d["original_name"] + " " + d["content_type"]'
}
say "5. upload only some documents"
upload id_card_front $S/id_front.jpg
upload diagnosis_certificate $S/diagnosis_certificate.pdf "$(date -d '-60 days' +%F)" "$HOSPITAL"

say "5b. precheck (预审): what the check would say now; each problem names the kinds that resolve it"
curl -sf -X POST "$API/applications/$APP/precheck/" -H "$AUTH" \
  | json '"\n".join(p["code"] + " " + ",".join(p["kinds"]) for p in d["problems"])'

say "6. submit (202), then the check lists every problem at once"
curl -sf -X POST "$API/applications/$APP/submit/" -H "$AUTH" -H "Idempotency-Key: $APP-1" | json 'd["status"]'
for _ in $(seq 30); do
  STATUS=$(curl -sf "$API/applications/$APP/" -H "$AUTH" | json 'd["status"]')
  [ "$STATUS" != submitted ] && break; sleep 1
done
curl -sf "$API/applications/$APP/" -H "$AUTH" | json '"\n".join(p["code"]+": "+p["message"] for p in d["problems"])'

say "7. supplement and resubmit"
upload id_card_back $S/id_back.jpg
upload insurance_card $S/insurance_card.png
# The application form without a scanner: generated from the data entered, confirmed with the commitment.
ETAG=$(curl -sf -o /tmp/walkthrough-form.pdf -D - "$API/applications/$APP/form/" -H "$AUTH" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
curl -sf -X POST "$API/applications/$APP/form/confirm/" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"commitment\":true,\"form_sha256\":$ETAG}" | json '"form confirmed: %s at %s" % (d["confirmed"], d["confirmed_at"])'
upload medical_record $S/medical_record.pdf "$(date -d '-30 days' +%F)" "$HOSPITAL"
upload exam_report $S/exam_report.pdf "$(date -d '-20 days' +%F)" "$HOSPITAL"
curl -sf -X POST "$API/applications/$APP/submit/" -H "$AUTH" -H "Idempotency-Key: $APP-2" | json 'd["status"]'
for _ in $(seq 30); do
  STATUS=$(curl -sf "$API/applications/$APP/" -H "$AUTH" | json 'd["status"]')
  [ "$STATUS" != submitted ] && break; sleep 1
done
curl -sf "$API/applications/$APP/" -H "$AUTH" \
  | json '"status=%s accepted_at=%s review_deadline=%s" % (d["status"], d["accepted_at"], d["review_deadline"])'
DEADLINE_FROM=$(date +%F)
curl -sf "$API/calendar/deadline/?from=$DEADLINE_FROM&working_days=20" | json 'd["deadline"], d["provisional"], len(d["skipped"])'

say "8. both demo experts approve through the reviewer API"
for EXPERT in expert1 expert2; do
  ETOKEN=$(curl -sf -X POST "$API/auth/token/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$EXPERT\",\"password\":\"demo-pass-123\"}" | json 'd["access"]')
  REVIEW=$(curl -sf "$API/reviews/" -H "Authorization: Bearer $ETOKEN" \
    | json "[r['id'] for r in d['results'] if r['application']=='$APP'][0]")
  curl -sf -X POST "$API/reviews/$REVIEW/decision/" -H "Authorization: Bearer $ETOKEN" \
    -H 'Content-Type: application/json' -d '{"decision":"approve"}' >/dev/null
  echo "$EXPERT approved (review $REVIEW)"
done

say "9. status, events and notifications"
curl -sf "$API/applications/$APP/" -H "$AUTH" | json '"\n".join("%s %s→%s %s" % (e["actor"], e["from"], e["to"], e["reason"]) for e in d["events"])'
curl -sf "$API/notifications/" -H "$AUTH" | json '"\n".join(n["title"] for n in d["results"])'

say "10. the decision letter (决定书), signed by the bureau"
curl -sf -o /tmp/walkthrough-decision.pdf "$API/applications/$APP/decision-letter/" -H "$AUTH"
echo "saved /tmp/walkthrough-decision.pdf ($(wc -c < /tmp/walkthrough-decision.pdf) bytes)"
