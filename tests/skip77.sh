#!/bin/sh
# A registered test whose backend was not built: say why, exit 77 (skip).
echo "SKIP: $*" >&2
exit 77
