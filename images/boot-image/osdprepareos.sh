#!/bin/sh
# osdprepareos.exe stand-in for Prepare Windows for Capture (osd-behaviours §2.9) in the full OS of
# the QEMU lab: what Sysprep /generalize leaves on the installed Windows (C:, mounted at /mnt/c).
# The machine-specific settings the deployment wrote are removed (the next deployment writes its
# own) and Sysprep's own success tag is written. Arguments (/activate:, /bmsd:, /shutdown:) are
# accepted and not modelled.
windows=/mnt/c/Windows
if [ ! -d "$windows/System32" ]; then
  echo "osdprepareos: no Windows installation on C: to prepare"
  exit 2
fi
rm -f "$windows/Panther/unattend.xml" "$windows/Panther/osdlab-settings.txt"
mkdir -p "$windows/System32/Sysprep"
echo "osdlab Sysprep /generalize $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$windows/System32/Sysprep/Sysprep_succeeded.tag"
sync
echo "osdprepareos: Windows generalized for capture ($*)"
