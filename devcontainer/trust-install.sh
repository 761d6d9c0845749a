#!/bin/sh
# Installs the host's CA bundle (host-ca.crt, copied from .local/ when host-trust.sh or devkit
# put one there) as the bundle every client in the image uses:
# /etc/devkit/ca-bundle.crt = the image's own CAs + the host's. Runs at image build time (root).
# Written by devkit.
set -e
here=$(dirname "$0")
mkdir -p /etc/devkit
: > /etc/devkit/ca-bundle.crt
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
  if [ -s "$f" ]; then cat "$f" >> /etc/devkit/ca-bundle.crt; break; fi
done
if [ -s "$here/host-ca.crt" ]; then
  cat "$here/host-ca.crt" >> /etc/devkit/ca-bundle.crt
  # git reads its system config even when it is installed later.
  printf '[http]\n\tsslCAInfo = /etc/devkit/ca-bundle.crt\n' >> /etc/gitconfig
fi
chmod 0644 /etc/devkit/ca-bundle.crt
