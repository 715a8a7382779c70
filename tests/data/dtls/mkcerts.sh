#!/bin/sh
# Test credentials for the DTLS tests (unit and VM): P-256 ECDSA, made with
# Debian's openssl. Run from this folder to regenerate; the files are
# committed so tests never depend on the time they were made. TEST KEYS
# ONLY: never use them anywhere else.
#   ca.pem/ca.key            the fleet CA (valid 2024..2124)
#   ctl.pem/ctl.key          controller "ctl.test" (SAN DNS:ctl.test)
#   agent.pem/agent.key      board "pi-0001" (SAN DNS:pi-0001)
#   expired.pem/expired.key  board "pi-0001", valid 2020-01-01..2021-01-01
#   rogue-ca.pem, rogue.pem/rogue.key   board "pi-0001" from another CA
#   psk.hex, psk-wrong.hex   32-byte PSKs (hex)
set -eu
cd "$(dirname "$0")"
days=36500
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; chmod 600 "$1.key"; }
ca() { # NAME CN: self-signed, valid 2024..2124 (openssl ca: dates settable)
	key "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	cadb "CA:TRUE" "keyCertSign,cRLSign" "" ""
	openssl ca -batch -selfsign -config db/ca.cnf -keyfile "$1.key" -in "$1.csr" \
		-out "$1.pem" -startdate 20240101000000Z -enddate 21240101000000Z \
		-extensions ext -notext 2>/dev/null
	rm -rf db "$1.csr"
}
# cadb BASIC KEYUSAGE EKU SAN: a throw-away openssl ca database in db/
cadb() {
	mkdir -p db && : > db/index && echo 1000 > db/serial
	{
		printf '[ca]\ndefault_ca = c\n[c]\ndatabase = db/index\nserial = db/serial\n'
		printf 'new_certs_dir = db\ndefault_md = sha256\npolicy = p\nunique_subject = no\n'
		printf 'copy_extensions = none\n[p]\ncommonName = supplied\n[ext]\n'
		printf 'basicConstraints = critical,%s\nkeyUsage = critical,%s\n' "$1" "$2"
		[ -z "$3" ] || printf 'extendedKeyUsage = %s\n' "$3"
		[ -z "$4" ] || printf 'subjectAltName = DNS:%s\n' "$4"
	} > db/ca.cnf
}
# leaf NAME CN CA START END EKU
leaf() {
	key "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	cadb "CA:FALSE" "digitalSignature" "$6" "$2"
	openssl ca -batch -config db/ca.cnf -cert "$3.pem" -keyfile "$3.key" -in "$1.csr" \
		-out "$1.pem" -startdate "$4" -enddate "$5" -extensions ext -notext 2>/dev/null
	rm -rf db "$1.csr"
}
ca ca "sctpagent test fleet CA"
ca rogue-ca "somebody else's CA"
leaf ctl ctl.test ca 20240101000000Z 21240101000000Z serverAuth
leaf agent pi-0001 ca 20240101000000Z 21240101000000Z clientAuth
leaf expired pi-0001 ca 20200101000000Z 20210101000000Z clientAuth
leaf rogue pi-0001 rogue-ca 20240101000000Z 21240101000000Z clientAuth
openssl rand -hex 32 > psk.hex
openssl rand -hex 32 > psk-wrong.hex
chmod 600 psk.hex psk-wrong.hex
rm -f rogue-ca.key
