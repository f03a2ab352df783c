/**
 * The GS1 Application Identifier table. Data transcribed from the GS1 Barcode Syntax Dictionary
 * (gs1/gs1-syntax-engine, Apache-2.0, © GS1 AISBL / BWIPP / Zint) plus AIs added in GenSpecs 24–25
 * (716, 7041, 7250–7259, 4330s…). Kept as text because a table is easier to audit against the
 * published dictionary than hand-built objects.
 *
 * Line format: `AI[-AI2] [*] spec... [req=a,b] [ex=a,b] [dlpkey[=q,q|q]] # title`
 *   `*` = predefined length, no FNC1 needed after it. spec components: `N14,csum` / `X..20` / `[N6],yymmdd`.
 *   N numeric, X CSET 82, Y CSET 39, Z CSET 64 (base64url).
 */
const DICTIONARY = `
00 * N18,csum dlpkey # SSCC
01 * N14,csum ex=02,255,37 dlpkey=22,10,21|235 # GTIN
02 * N14,csum req=37 # CONTENT
10 X..20 req=01,02,8006,8026 # BATCH/LOT
11 * N6,yymmd0 req=01,02,8006,8026 # PROD DATE
12 * N6,yymmd0 req=8020 # DUE DATE
13 * N6,yymmd0 req=01,02,8006,8026 # PACK DATE
15 * N6,yymmd0 req=01,02,8006,8026 # BEST BEFORE or BEST BY
16 * N6,yymmd0 req=01,02,8006,8026 # SELL BY
17 * N6,yymmd0 req=01,02,255,8006,8026 # USE BY or EXPIRY
20 * N2 req=01,02,8006,8026 # VARIANT
21 X..20 req=01,8006 ex=235 # SERIAL
22 X..20 req=01 # CPV
235 X..28 req=01 # TPX
240 X..30 req=01,02,8006,8026 # ADDITIONAL ID
241 X..30 req=01,02,8006,8026 # CUST. PART No.
242 N..6 req=01,02,8006,8026 # MTO VARIANT
243 X..20 req=01 # PCN
250 X..30 req=01,8006 req=21 # SECONDARY SERIAL
251 X..30 req=01,8006 # REF. TO SOURCE
253 N13,csum [X..17] dlpkey # GDTI
254 X..20 req=414 # GLN EXTENSION COMPONENT
255 N13,csum [N..12] dlpkey ex=01,02,415,8006,8020,8026 # GCN
30 N..8 req=01,02 # VAR. COUNT
3100-3105 * N6 req=01,02 # NET WEIGHT (kg)
3110-3115 * N6 req=01,02 # LENGTH (m)
3120-3125 * N6 req=01,02 # WIDTH (m)
3130-3135 * N6 req=01,02 # HEIGHT (m)
3140-3145 * N6 req=01,02 # AREA (m²)
3150-3155 * N6 req=01,02 # NET VOLUME (l)
3160-3165 * N6 req=01,02 # NET VOLUME (m³)
3200-3205 * N6 req=01,02 # NET WEIGHT (lb)
3210-3215 * N6 req=01,02 # LENGTH (in)
3220-3225 * N6 req=01,02 # LENGTH (ft)
3230-3235 * N6 req=01,02 # LENGTH (yd)
3240-3245 * N6 req=01,02 # WIDTH (in)
3250-3255 * N6 req=01,02 # WIDTH (ft)
3260-3265 * N6 req=01,02 # WIDTH (yd)
3270-3275 * N6 req=01,02 # HEIGHT (in)
3280-3285 * N6 req=01,02 # HEIGHT (ft)
3290-3295 * N6 req=01,02 # HEIGHT (yd)
3300-3305 * N6 req=00,01 # GROSS WEIGHT (kg)
3310-3315 * N6 req=00,01 # LENGTH (m), log
3320-3325 * N6 req=00,01 # WIDTH (m), log
3330-3335 * N6 req=00,01 # HEIGHT (m), log
3340-3345 * N6 req=00,01 # AREA (m²), log
3350-3355 * N6 req=00,01 # VOLUME (l), log
3360-3365 * N6 req=00,01 # VOLUME (m³), log
3370-3375 * N6 req=01 # KG PER m²
3400-3405 * N6 req=00,01 # GROSS WEIGHT (lb)
3410-3415 * N6 req=00,01 # LENGTH (in), log
3420-3425 * N6 req=00,01 # LENGTH (ft), log
3430-3435 * N6 req=00,01 # LENGTH (yd), log
3440-3445 * N6 req=00,01 # WIDTH (in), log
3450-3455 * N6 req=00,01 # WIDTH (ft), log
3460-3465 * N6 req=00,01 # WIDTH (yd), log
3470-3475 * N6 req=00,01 # HEIGHT (in), log
3480-3485 * N6 req=00,01 # HEIGHT (ft), log
3490-3495 * N6 req=00,01 # HEIGHT (yd), log
3500-3505 * N6 req=01,02 # AREA (in²)
3510-3515 * N6 req=01,02 # AREA (ft²)
3520-3525 * N6 req=01,02 # AREA (yd²)
3530-3535 * N6 req=00,01 # AREA (in²), log
3540-3545 * N6 req=00,01 # AREA (ft²), log
3550-3555 * N6 req=00,01 # AREA (yd²), log
3560-3565 * N6 req=01,02 # NET WEIGHT (t oz)
3570-3575 * N6 req=01,02 # NET VOLUME (oz)
3600-3605 * N6 req=01,02 # NET VOLUME (qt)
3610-3615 * N6 req=01,02 # NET VOLUME (gal.)
3620-3625 * N6 req=00,01 # VOLUME (qt), log
3630-3635 * N6 req=00,01 # VOLUME (gal.), log
3640-3645 * N6 req=01,02 # VOLUME (in³)
3650-3655 * N6 req=01,02 # VOLUME (ft³)
3660-3665 * N6 req=01,02 # VOLUME (yd³)
3670-3675 * N6 req=00,01 # VOLUME (in³), log
3680-3685 * N6 req=00,01 # VOLUME (ft³), log
3690-3695 * N6 req=00,01 # VOLUME (yd³), log
37 N..8 req=00 req=02,8026 # COUNT
3900-3909 N..15 req=255,8020 # AMOUNT
3910-3919 N3,iso4217 N..15 req=8020 # AMOUNT
3920-3929 N..15 req=01 req=30,31nn,32nn,35nn,36nn # PRICE
3930-3939 N3,iso4217 N..15 req=30,31nn,32nn,35nn,36nn # PRICE
3940-3943 N4 req=255 ex=8111 # PRCNT OFF
3950-3955 N6 req=30,31nn,32nn,35nn,36nn ex=8005 # PRICE/UoM
400 X..30 # ORDER NUMBER
401 X..30 dlpkey # GINC
402 N17,csum dlpkey # GSIN
403 X..30 req=00 # ROUTE
410 * N13,csum # SHIP TO LOC
411 * N13,csum # BILL TO
412 * N13,csum # PURCHASE FROM
413 * N13,csum # SHIP FOR LOC
414 * N13,csum dlpkey=254|7040 # LOC No.
415 * N13,csum req=8020 dlpkey=8020 # PAY TO
416 * N13,csum # PROD/SERV LOC
417 * N13,csum dlpkey=7040 # PARTY
420 X..20 ex=421 # SHIP TO POST
421 N3,iso3166 X..9 ex=4307 # SHIP TO POST
422 N3,iso3166 req=01,02,8006,8026 ex=426 # ORIGIN
423 N..15,iso3166list req=01,02 ex=426 # COUNTRY - INITIAL PROCESS
424 N3,iso3166 req=01,02 ex=426 # COUNTRY - PROCESS
425 N..15,iso3166list req=01,02 ex=426 # COUNTRY - DISASSEMBLY
426 N3,iso3166 req=01,02 # COUNTRY - FULL PROCESS
427 X..3 req=01,02 req=422 # ORIGIN SUBDIVISION
4300 X..35 req=00 # SHIP TO COMP
4301 X..35 req=00 # SHIP TO NAME
4302 X..70 req=00 # SHIP TO ADD1
4303 X..70 req=4302 # SHIP TO ADD2
4304 X..70 req=00 # SHIP TO SUB
4305 X..70 req=00 # SHIP TO LOC
4306 X..70 req=00 # SHIP TO REG
4307 X2,iso3166alpha2 req=00 # SHIP TO COUNTRY
4308 X..30 req=00 # SHIP TO PHONE
4309 N10,latitude N10,longitude req=00 # SHIP TO GEO
4310 X..35 req=00 # RTN TO COMP
4311 X..35 req=00 # RTN TO NAME
4312 X..70 req=00 # RTN TO ADD1
4313 X..70 req=4312 # RTN TO ADD2
4314 X..70 req=00 # RTN TO SUB
4315 X..70 req=00 # RTN TO LOC
4316 X..70 req=00 # RTN TO REG
4317 X2,iso3166alpha2 req=00 # RTN TO COUNTRY
4318 X..20 req=00 # RTN TO POST
4319 X..30 req=00 # RTN TO PHONE
4320 X..35 req=00 # SRV DESCRIPTION
4321 N1,yesno req=00 # DANGEROUS GOODS
4322 N1,yesno req=00 # AUTH TO LEAVE
4323 N1,yesno req=00 # SIG REQUIRED
4324 N6,yymmd0 N4,hhmm req=00 # NOT BEF DEL DT
4325 N6,yymmd0 N4,hhmm req=00 # NOT AFT DEL DT
4326 N6,yymmdd req=00 # REL DATE
4330 N6 [X1],hyphen req=00 ex=4331 # MAX TEMP F.
4331 N6 [X1],hyphen req=00 ex=4330 # MAX TEMP C.
4332 N6 [X1],hyphen req=00 ex=4333 # MIN TEMP F.
4333 N6 [X1],hyphen req=00 ex=4332 # MIN TEMP C.
7001 N13 req=01,02,8006,8026 # NSN
7002 X..30 req=01,02 # MEAT CUT
7003 N6,yymmdd N4,hhmm req=01,02 # EXPIRY TIME
7004 N..4 req=01 req=10 # ACTIVE POTENCY
7005 X..12 req=01,02 # CATCH AREA
7006 N6,yymmdd req=01,02 # FIRST FREEZE DATE
7007 N6,yymmdd [N6],yymmdd req=01,02 # HARVEST DATE
7008 X..3 req=01,02 # AQUATIC SPECIES
7009 X..10 req=01,02 # FISHING GEAR TYPE
7010 X..2 req=01,02 # PROD METHOD
7011 N6,yymmdd [N4],hhmm req=01,02 # TEST BY DATE
7020 X..20 req=01,8006 req=416 # REFURB LOT
7021 X..20 req=01,8006 # FUNC STAT
7022 X..20 req=7021 # REV STAT
7023 X..30 # GIAI - ASSEMBLY
7030-7039 N3,iso3166999 X..27 req=01,02 # PROCESSOR # s
7040 N1 X1 X1 X1 # UIC+EXT
7041 X..4 req=00 # UFRGT UNIT TYPE
710 X..20 req=01 # NHRN PZN
711 X..20 req=01 # NHRN CIP
712 X..20 req=01 # NHRN CN
713 X..20 req=01 # NHRN DRN
714 X..20 req=01 # NHRN AIM
715 X..20 req=01 # NHRN NDC
716 X..20 req=01 # NHRN AIC
7230-7239 X2 X..28 req=01,8004 # CERT # s
7240 X..20 req=01,8006 # PROTOCOL
7241 N2 req=8017,8018 # AIDC MEDIA TYPE
7242 X..25 req=8017,8018 # VCN
7250 N8,yyyymmdd req=8017,8018 # DOB
7251 N12,yyyymmddhhmm req=8017,8018 # DOB TIME
7252 N1 req=8017,8018 # BIO SEX
7253 X..40 req=8017,8018 # FAMILY NAME
7254 X..40 req=8017,8018 # GIVEN NAME
7255 X..10 req=8017,8018 # SUFFIX
7256 X..90 req=8017,8018 # FULL NAME
7257 X..70 req=8017,8018 # PERSON ADDR
7258 N1 X1 N1 req=8017,8018 # BIRTH SEQUENCE
7259 X..40 req=8017,8018 # BABY
8001 N4 N5 N3 N1 N1 req=01 # DIMENSIONS
8002 X..20 # CMT No.
8003 N1 N13,csum [X..16] dlpkey # GRAI
8004 X..30 dlpkey=7040 # GIAI
8005 N6 req=01,02 # PRICE PER UNIT
8006 N14,csum N4 ex=01,37 dlpkey=22,10,21 # ITIP
8007 X..34 req=415 # IBAN
8008 N8 [N..4] req=01,02 # PROD TIME
8009 X..50 req=00,01 # OPTSEN
8010 Y..30 dlpkey=8011 # CPID
8011 N..12 req=8010 # CPID SERIAL
8012 X..20 req=01,8006 # VERSION
8013 X..25,csumalpha dlpkey # GMN
8017 N18,csum ex=8018 dlpkey=8019 # GSRN - PROVIDER
8018 N18,csum ex=8017 dlpkey=8019 # GSRN - RECIPIENT
8019 N..10 req=8017,8018 # SRIN
8020 X..25 req=415 # REF No.
8026 N14,csum N4 req=37 ex=02,8006 # ITIP CONTENT
8030 Z..90 req=00,01,253,255,8003,8004,8006,8010,8017,8018 # DIGSIG
8110 X..70 # COUPON
8111 N4 req=255 # POINTS
8112 X..70 # PAPERLESS COUPON
8200 X..70 req=01 # PRODUCT URL
90 X..30 # INTERNAL
91-99 X..90 # INTERNAL
`;

export type Charset = 'N' | 'X' | 'Y' | 'Z';

export interface AiComponent {
  charset: Charset;
  min: number;
  max: number;
  optional: boolean;
  linters: string[];
}

export interface AiDef {
  ai: string;
  title: string;
  /** Predefined length: the data never needs an FNC1 after it. */
  fixed: boolean;
  components: AiComponent[];
  minLength: number;
  maxLength: number;
  /** Each inner list is one requirement: at least one of its AIs must be present (`31nn` = any 31xx). */
  req: string[][];
  ex: string[];
  /** Digital Link primary key; the qualifier sequences allowed after it. */
  dlPrimaryKey: boolean;
  dlQualifiers: string[][];
  /** Number of implied decimals for measure/amount AIs (310n, 392n…), else undefined. */
  decimals: number | undefined;
}

function parseComponent(tok: string): AiComponent {
  const [typePart = '', ...linters] = tok.split(',');
  const optional = typePart.startsWith('[');
  const t = typePart.replace(/[[\]]/g, '');
  const charset = t[0] as Charset;
  const len = t.slice(1);
  let min: number;
  let max: number;
  if (len.startsWith('..')) {
    min = 1;
    max = Number(len.slice(2));
  } else {
    min = max = Number(len);
  }
  return { charset, min, max, optional, linters };
}

/** AIs whose last digit counts implied decimals (GenSpecs 3.6.x–3.9.x). */
function decimalsFor(ai: string): number | undefined {
  if (ai.length !== 4) return undefined;
  const p = Number(ai.slice(0, 3));
  const n = Number(ai[3]);
  if ((p >= 310 && p <= 369) || (p >= 390 && p <= 395)) return n;
  return undefined;
}

function buildTable(): Map<string, AiDef> {
  const table = new Map<string, AiDef>();
  for (const rawLine of DICTIONARY.split('\n')) {
    const hash = rawLine.indexOf(' # ');
    const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
    if (line === '') continue;
    const title = hash >= 0 ? rawLine.slice(hash + 3).trim() : '';
    const toks = line.split(/\s+/);
    const range = toks.shift() ?? '';
    let fixed = false;
    if (toks[0] === '*') {
      fixed = true;
      toks.shift();
    }
    const components: AiComponent[] = [];
    const req: string[][] = [];
    let ex: string[] = [];
    let dlPrimaryKey = false;
    let dlQualifiers: string[][] = [];
    for (const tok of toks) {
      if (tok.startsWith('req=')) req.push(tok.slice(4).split(','));
      else if (tok.startsWith('ex=')) ex = tok.slice(3).split(',');
      else if (tok === 'dlpkey') dlPrimaryKey = true;
      else if (tok.startsWith('dlpkey=')) {
        dlPrimaryKey = true;
        dlQualifiers = tok
          .slice(7)
          .split('|')
          .map((seq) => seq.split(','));
      } else components.push(parseComponent(tok));
    }
    const [from = '', to = from] = range.split('-');
    const width = from.length;
    for (let n = Number(from); n <= Number(to); n++) {
      const ai = String(n).padStart(width, '0');
      const t = title.replace(/# s$/, `# ${Number(ai.slice(-1))}`);
      table.set(ai, {
        ai,
        title: t,
        fixed,
        components,
        minLength: components.reduce((s, c) => s + (c.optional ? 0 : c.min), 0),
        maxLength: components.reduce((s, c) => s + c.max, 0),
        req,
        ex,
        dlPrimaryKey,
        dlQualifiers,
        decimals: decimalsFor(ai),
      });
    }
  }
  return table;
}

export const AI_TABLE: ReadonlyMap<string, AiDef> = buildTable();

/**
 * The AI at the start of `data`: tries 2, 3 and 4 digits and returns the one the table knows. The GS1
 * table is prefix-free (no AI is a prefix of another), so at most one length can match; we never fall
 * back to a shorter guess.
 */
export function lookupAi(data: string, pos: number): AiDef | undefined {
  for (let len = 2; len <= 4; len++) {
    const def = AI_TABLE.get(data.slice(pos, pos + len));
    if (def !== undefined) return def;
  }
  return undefined;
}
