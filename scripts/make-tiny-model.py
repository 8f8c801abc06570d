#!/usr/bin/python3
"""Build a random-weight BERT sentence-embedding model in the Hugging Face layout, for tests and benchmarks.

Run it with Debian's Python, which sees Debian's torch and onnx (the `python3` first on PATH may be
another interpreter that cannot):

    apt-get install -y python3-torch python3-onnx        # once, as root
    /usr/bin/python3 scripts/make-tiny-model.py OUT_DIR [--shape tiny|minilm]

or `bash scripts/make-tiny-model.sh OUT_DIR [--shape ...]`, which installs those packages if missing.

Shapes:
  tiny    (default) vocab ~1000 from a fixed English word list, hidden 32, 2 layers, 2 heads,
          intermediate 128, max positions 128. About 300 KB: this is test/fixtures/tiny-bert/.
  minilm  all-MiniLM-L6-v2's shape: vocab 30522 (the word list padded with random letter strings),
          hidden 384, 6 layers, 12 heads, intermediate 1536, max positions 512. About 90 MB: for
          benchmarks only, never committed.

The weights are random (fixed seed, so the output is reproducible): the vectors mean nothing, but
the model has exactly the inputs, outputs and cost of a real one. OUT_DIR receives:

  config.json               model_type bert, hidden_size, max_position_embeddings, ...
  tokenizer.json            hand-made WordPiece tokenizer (BertNormalizer lowercase,
                            BertPreTokenizer, [CLS] $A [SEP], truncation to max positions)
  tokenizer_config.json     the usual companion file (do_lower_case, special tokens, model_max_length)
  vocab.txt                 the vocabulary, one token a line (BertTokenizer's format)
  onnx/model.onnx           inputs input_ids, attention_mask, token_type_ids (int64 [batch, seq]);
                            output last_hidden_state (float32 [batch, seq, hidden]); dynamic batch
                            and sequence axes
  1_Pooling/config.json     sentence-transformers pooling: mean
  modules.json              sentence-transformers module list (Transformer, Pooling, Normalize)
"""

import argparse
import json
import math
import os
import random
import sys

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "make-tiny-model.py: torch is missing. Use Debian's /usr/bin/python3 after "
        "`apt-get install -y python3-torch python3-onnx` (or run scripts/make-tiny-model.sh)."
    )

SEED = 20240521
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

SHAPES = {
    "tiny": dict(
        vocab_size=None,  # the base vocabulary's own size
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
    ),
    "minilm": dict(
        vocab_size=30522,
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
    ),
}

# Frequent English words. Together with single letters and "##" letter continuations, any
# lowercase ASCII word tokenizes without [UNK]; frequent words stay one token.
WORDS = """
the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by hot word but what some we can out other were all there when up use your how said an
each she which do their time if will way about many then them write would like so these her long
make thing see him two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part take get place made
live where after back little only round man year came show every good me give our under name
very through just form sentence great think say help low line differ turn cause much mean before
move right boy old too same tell does set three want air well also play small end put home read
hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth
father head stand own page should country found answer school grow study still learn plant cover
food sun four between state keep eye never last let thought city tree cross farm hard start might
story saw far sea draw left late run while press close night real life few north open seem
together next white children begin got walk example ease paper group always music those both mark
often letter until mile river car feet care second book carry took science eat room friend began
idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain
girl usual young ready above ever red list though feel talk bird soon body dog family direct pose
leave song measure door product black short numeral class wind question happen complete ship area
half rock order fire south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest reach fast verb sing
listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map rain rule govern pull cold notice voice unit power
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green oh quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch
multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran
check game shape equate miss brought heat snow tire bring yes distant fill east paint language
among grand ball yet wave drop heart am present heavy dance engine position arm wide sail material
size vary settle speak weight general ice matter circle pair include divide syllable felt perhaps
pick sudden count square reason length represent art subject region energy hunt probable bed
brother egg ride cell believe fraction forest sit race window store summer train sleep prove lone
exercise wall catch mount wish sky board joy winter sat written wild instrument kept glass grass
cow job edge sign visit past soft fun bright gas weather month million bear finish happy hope
flower clothe strange gone jump baby eight village meet root buy raise solve metal whether push
seven paragraph third shall held hair describe cook floor either result burn hill safe cat century
consider type law bit coast copy phrase silent tall sand soil roll temperature finger industry
value fight lie beat excite natural view sense ear else quite broke case middle kill son lake
moment scale loud spring observe child straight consonant nation dictionary milk speed method
organ pay age section dress cloud surprise quiet stone tiny climb cool design poor lot experiment
bottom key iron single stick flat twenty skin smile crease hole trade melody trip office receive
row mouth exact symbol die least trouble shout except wrote seed tone join suggest clean break
lady yard rise bad blow oil blood touch grew cent mix team wire cost lost brown wear garden equal
sent choose fell fit flow fair bank collect save control decimal gentle woman captain practice
separate difficult doctor please protect noon whose locate ring character insect caught period
indicate radio spoke atom human history effect electric expect crop modern element hit student
corner party supply bone rail imagine provide agree thus capital chair danger fruit rich thick
soldier process operate guess necessary sharp wing create neighbor wash bat rather crowd corn
compare poem string bell depend meat rub tube famous dollar stream fear sight thin triangle planet
hurry chief colony clock mine tie enter major fresh search send yellow gun allow print dead spot
desert suit current lift rose continue block chart hat sell success company subtract event
particular deal swim term opposite wife shoe shoulder spread arrange camp invent cotton born
determine quart nine truck noise level chance gather shop stretch throw shine property column
molecule select wrong gray repeat require broad prepare salt nose plural anger claim continent
oxygen sugar death pretty skill women season solution magnet silver thank branch match suffix
especially fig afraid huge sister steel discuss forward similar guide experience score apple
bought led pitch coat mass card band rope slip win dream evening condition feed tool total basic
smell valley nor double seat arrive master track parent shore division sheet substance favor
connect post spend chord fat glad original share station dad bread charge proper bar offer segment
slave duck instant market degree populate chick dear enemy reply drink occur support speech nature
range steam motion path liquid log meant quotient teeth shell neck document chunk embed vector
model token text page worker queue database storage file error retry thread
""".split()

SUFFIXES = """
s es ed ing ly er est ion tion sion ment ness ful less able ible al ial ic ical ous ive ize ise ity
ty y en ers ings ism ist ant ent ance ence age ship ward wards
""".split()

PUNCTUATION = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def base_vocabulary():
    """Specials, punctuation, digits, letters, continuations, suffixes, then the word list."""
    tokens = list(SPECIAL_TOKENS)
    tokens += PUNCTUATION
    tokens += [str(d) for d in range(10)]
    tokens += [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens += ["##" + str(d) for d in range(10)]
    tokens += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens += ["##" + s for s in SUFFIXES]
    tokens += WORDS
    seen = set()
    unique = []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            unique.append(token)
    return unique


def padded_vocabulary(size, rng):
    """The base vocabulary padded with distinct random letter strings up to `size` tokens."""
    tokens = base_vocabulary()
    seen = set(tokens)
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(tokens) < size:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
        if rng.random() < 0.3:
            word = "##" + word
        if word not in seen:
            seen.add(word)
            tokens.append(word)
    return tokens[:size]


class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], cfg["hidden_size"])
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], cfg["hidden_size"])
        self.layer_norm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])
        self.register_buffer(
            "position_ids", torch.arange(cfg["max_position_embeddings"]).unsqueeze(0), persistent=False
        )

    def forward(self, input_ids, token_type_ids):
        seq_len = input_ids.shape[1]
        positions = self.position_ids[:, :seq_len]
        summed = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)
            + self.token_type_embeddings(token_type_ids)
        )
        return self.layer_norm(summed)


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.head_size = hidden // self.heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=cfg["layer_norm_eps"])
        self.intermediate = nn.Linear(hidden, cfg["intermediate_size"])
        self.output = nn.Linear(cfg["intermediate_size"], hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=cfg["layer_norm_eps"])

    def split_heads(self, x):
        batch, seq, _ = x.shape
        return x.view(batch, seq, self.heads, self.head_size).transpose(1, 2)

    def forward(self, hidden_states, additive_mask):
        batch, seq, hidden = hidden_states.shape
        q = self.split_heads(self.query(hidden_states))
        k = self.split_heads(self.key(hidden_states))
        v = self.split_heads(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + additive_mask
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        context = context.transpose(1, 2).reshape(batch, seq, hidden)
        attended = self.attention_norm(hidden_states + self.attention_output(context))
        expanded = nn.functional.gelu(self.intermediate(attended))
        return self.output_norm(attended + self.output(expanded))


class Bert(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, input_ids, attention_mask, token_type_ids):
        # [batch, 1, 1, seq]: 0 where attended, -10000 on padding (exp underflows to exactly 0).
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        hidden_states = self.embeddings(input_ids, token_type_ids)
        for layer in self.layers:
            hidden_states = layer(hidden_states, additive_mask)
        return hidden_states


def init_weights(model, std):
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


def tokenizer_json(vocab, max_length):
    ids = {token: index for index, token in enumerate(vocab)}

    def special(token):
        return {
            "id": ids[token],
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }

    return {
        "version": "1.0",
        "truncation": {
            "direction": "Right",
            "max_length": max_length,
            "strategy": "LongestFirst",
            "stride": 0,
        },
        "padding": None,
        "added_tokens": [special(token) for token in SPECIAL_TOKENS],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                token: {"id": token, "ids": [ids[token]], "tokens": [token]} for token in ("[CLS]", "[SEP]")
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": ids,
        },
    }


def write_json(path, value, compact=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        if compact:
            json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(value, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="directory to write the model into (created if missing)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--opset", type=int, default=14)
    args = parser.parse_args()

    random.seed(SEED)
    torch.manual_seed(SEED)
    shape = SHAPES[args.shape]
    rng = random.Random(SEED)
    vocab = base_vocabulary() if shape["vocab_size"] is None else padded_vocabulary(shape["vocab_size"], rng)
    cfg = dict(shape)
    cfg.update(vocab_size=len(vocab), type_vocab_size=2, layer_norm_eps=1e-12)

    model = Bert(cfg)
    # Word embeddings wider than BERT's 0.02 so that different texts get clearly different vectors.
    init_weights(model, std=0.02)
    nn.init.normal_(model.embeddings.word_embeddings.weight, mean=0.0, std=0.5)
    model.eval()

    out = args.out_dir
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    example_ids = torch.tensor([[2, 10, 11, 12, 3], [2, 13, 3, 0, 0]], dtype=torch.int64)
    example_mask = (example_ids != 0).to(torch.int64)
    example_types = torch.zeros_like(example_ids)
    dynamic = {0: "batch_size", 1: "sequence_length"}
    onnx_path = os.path.join(out, "onnx", "model.onnx")
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example_ids, example_mask, example_types),
            onnx_path,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=args.opset,
            do_constant_folding=True,
        )

    try:
        import onnx

        onnx.checker.check_model(onnx.load(onnx_path))
    except ImportError:
        print("make-tiny-model.py: python3-onnx missing, model not checked", file=sys.stderr)

    max_length = cfg["max_position_embeddings"]
    write_json(
        os.path.join(out, "config.json"),
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": cfg["vocab_size"],
            "hidden_size": cfg["hidden_size"],
            "num_hidden_layers": cfg["num_hidden_layers"],
            "num_attention_heads": cfg["num_attention_heads"],
            "intermediate_size": cfg["intermediate_size"],
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
            "max_position_embeddings": max_length,
            "type_vocab_size": cfg["type_vocab_size"],
            "initializer_range": 0.02,
            "layer_norm_eps": cfg["layer_norm_eps"],
            "pad_token_id": 0,
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
            "_comment": f"random weights (seed {SEED}) from scripts/make-tiny-model.py --shape {args.shape}",
        },
    )
    write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(vocab, max_length), compact=True)
    write_json(
        os.path.join(out, "tokenizer_config.json"),
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": True,
            "model_max_length": max_length,
            "unk_token": "[UNK]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "cls_token": "[CLS]",
            "mask_token": "[MASK]",
            "clean_up_tokenization_spaces": True,
        },
    )
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(vocab) + "\n")
    write_json(
        os.path.join(out, "1_Pooling", "config.json"),
        {
            "word_embedding_dimension": cfg["hidden_size"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    write_json(
        os.path.join(out, "modules.json"),
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    for root, _, files in sorted(os.walk(out)):
        for name in sorted(files):
            path = os.path.join(root, name)
            print(f"{os.path.getsize(path):>10}  {os.path.relpath(path, out)}")


if __name__ == "__main__":
    main()
