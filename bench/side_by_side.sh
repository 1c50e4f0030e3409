#!/usr/bin/env bash
# Times TokenVision and a reference runtime from ../shared/bench in alternation, ROUNDS times per comparison, and
# prints every pair and the median of the per-pair ratios. On a shared machine whose throughput drifts between
# minutes, only such paired ratios are comparable; a single pair is not.
#
#   bash bench/side_by_side.sh                 # every comparison of the README's performance table
#   bash bench/side_by_side.sh vit_s16_b8 ...  # only the named ones (see COMPARISONS below)
#   ROUNDS=9 bash bench/side_by_side.sh        # more rounds (default 5)
#
# Needs the reference runtimes set up once: bash ../shared/bench/setup.sh. ONNX models are exported on first use
# into $ONNX_DIR (default /tmp/tokenvision-onnx) by ../shared/bench/reference.py.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
REF=${REF:-../shared/bench}
ONNX_DIR=${ONNX_DIR:-/tmp/tokenvision-onnx}
PY=/usr/bin/python3
T=src/TokenVision.Cli/bin/Release/net10.0/tokenvision

# name | ours (tokenvision arguments) | reference kind (ort MODEL BATCH, torch MODEL BATCH [train], blas M,K,N [THREADS])
# | what the ratio means (throughput: ours / reference; latency: ours / reference time)
COMPARISONS=(
  "vit_s16_b8|bench model vit_small_patch16_224|ort vit_s16 8|throughput"
  "vit_s16_b1|bench model vit_small_patch16_224 --batch 1|ort vit_s16 1|latency"
  "swin_t_b8|bench model swin_tiny_patch4_window7_224|ort swin_t 8|throughput"
  "deit_ti_b8|bench model deit_tiny_patch16_224|ort vit_ti16 8|throughput"
  "vit_s16_b8_torch|bench model vit_small_patch16_224|torch vit_s16 8|throughput"
  "swin_t_b8_torch|bench model swin_tiny_patch4_window7_224|torch swin_t 8|throughput"
  "vit_s16_train|bench model vit_small_patch16_224 --train|torch vit_s16 8 train|throughput"
  "gemm_qkv|bench gemm --shape 1576x384x1152|blas 1576,384,1152 2|throughput"
  "gemm_proj|bench gemm --shape 1576x384x384|blas 1576,384,384 2|throughput"
  "gemm_fc1|bench gemm --shape 1576x384x1536|blas 1576,384,1536 2|throughput"
  "gemm_fc2|bench gemm --shape 1576x1536x384|blas 1576,1536,384 2|throughput"
  "gemm_qkv_1t|bench gemm --shape 1576x384x1152 --threads 1|blas 1576,384,1152 1|throughput"
  "gemm_fc2_1t|bench gemm --shape 1576x1536x384 --threads 1|blas 1576,1536,384 1|throughput"
)

dotnet build -c Release src/TokenVision.Cli -v q -nologo >/dev/null

# Prints "value" (img/s or GFLOP/s) and "ms_per_batch" of one tokenvision run.
ours() {
  local line
  # shellcheck disable=SC2086
  line=$($T $1 --json | head -n 1)
  echo "$(sed -E 's/.*"value":([0-9.eE+-]+).*/\1/' <<<"$line") $(sed -E 's/.*"ms_per_batch":([0-9.eE+-]+).*|.*/\1/' <<<"$line")"
}

# Prints the reference's throughput and its ms per batch (empty for BLAS).
reference() {
  local kind=$1 model=$2 batch=${3:-} extra=${4:-} out
  case $kind in
    ort)
      local file=$ONNX_DIR/${model}_b${batch}.onnx
      if [[ ! -f $file ]]; then
        mkdir -p "$ONNX_DIR"
        $PY "$REF/reference.py" --model "$model" --batch "$batch" --onnx "$file" >/dev/null
      fi
      out=$(node "$REF/ort.js" "$file" "$batch" 2 $([[ $batch == 1 ]] && echo 20) | tail -n 1)
      echo "$(sed -E 's/.* ([0-9.]+) img\/s.*/\1/' <<<"$out") $(sed -E 's/.* ([0-9.]+) ms\/batch.*/\1/' <<<"$out")" ;;
    torch)
      out=$($PY "$REF/reference.py" --model "$model" --batch "$batch" ${extra:+--$extra} 2>&1 | tail -n 1)
      echo "$(sed -E 's/.* ([0-9.]+) img\/s.*/\1/' <<<"$out") $(sed -E 's/.* ([0-9.]+) ms\/batch.*/\1/' <<<"$out")" ;;
    blas)
      out=$($PY "$REF/reference.py" --gemm "$model" --threads "${batch:-2}" 2>&1 | tail -n 1)
      echo "$(sed -E 's/.*: ([0-9.]+) GFLOP\/s.*/\1/' <<<"$out")" ;;
  esac
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

selected=("$@")
for entry in "${COMPARISONS[@]}"; do
  IFS='|' read -r name args refspec meaning <<<"$entry"
  if (( ${#selected[@]} )) && [[ ! " ${selected[*]} " == *" $name "* ]]; then
    continue
  fi
  read -r -a refargs <<<"$refspec"
  ratios=()
  for ((round = 1; round <= ROUNDS; round++)); do
    read -r ov oms <<<"$(ours "$args")"
    read -r rv rms <<<"$(reference "${refargs[@]}")"
    if [[ $meaning == latency ]]; then
      ratio=$(awk -v a="$oms" -v b="$rms" 'BEGIN { printf "%.3f", a / b }')
      printf '%-18s round %d: ours %8.2f ms  reference %8.2f ms  time ratio %s\n' "$name" "$round" "$oms" "$rms" "$ratio"
    else
      ratio=$(awk -v a="$ov" -v b="$rv" 'BEGIN { printf "%.3f", a / b }')
      printf '%-18s round %d: ours %8.2f  reference %8.2f  speed ratio %s\n' "$name" "$round" "$ov" "$rv" "$ratio"
    fi
    ratios+=("$ratio")
  done
  printf '%-18s median %s ratio %s (min %s, max %s)\n' "$name" "$meaning" \
    "$(printf '%s\n' "${ratios[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | sort -g | head -n 1)" "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -n 1)"
done
