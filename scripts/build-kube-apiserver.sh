#!/usr/bin/env bash
# Placeholder: replaced by the Kubernetes test tooling (issue 6).
exit 0
