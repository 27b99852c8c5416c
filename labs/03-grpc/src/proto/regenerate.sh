#!/bin/sh
# Regenerates the TypeScript types of payment.proto into generated/ (run from the repository root after
# changing the proto: sh solutions/03-grpc/src/proto/regenerate.sh, then npx distlab starter).
# proto-loader-gen-types writes the types that match how src/grpc/proto.ts loads the proto (the same
# --longs, --enums, --defaults and --oneofs); the sed adds the .ts extensions Node's ESM loader needs.
set -eu
cd "$(dirname "$0")"
rm -rf generated
npx proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js \
  --includeComments -O generated payment.proto
find generated -name '*.ts' -exec sed -i -E \
  -e "s#(from '\.{1,2}/[^']+)';#\1.ts';#" \
  -e '1s#^#// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.\n#' {} +
# The generated constructor type uses `any`: the only lint rule these files break.
grep -l -w any generated -r | xargs sed -i '1s#^#/* eslint-disable @typescript-eslint/no-explicit-any */\n#'
npx prettier --log-level warn --write generated
