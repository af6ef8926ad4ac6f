/**
 * The Play data the google-play tests load: a developer account's bucket with two months of
 * statistics reports for three packages (as Play Console writes them: UTF-16LE CSVs with a BOM),
 * an earnings zip mixing the packages' transactions, and daily vitals. The expected rows of each
 * table are derived from the same definitions.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  type FakePlay,
  type FakeVitalsDay,
  startFakePlay,
  utf16Csv,
  zipOf,
} from '../../fakes/google-play.js';

export const BUCKET = 'pubsite_prod_rev_01234567890987654321';
export const PACKAGES = ['com.example.alpha', 'com.example.beta', 'com.example.gamma'] as const;
export const CLIENT_EMAIL = 'play-reports@example-project.iam.gserviceaccount.com';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const PRIVATE_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const SERVICE_ACCOUNT_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'example-project',
  private_key_id: '4f9c0e1d2b3a49587766aabbccddeeff00112233',
  private_key: PRIVATE_KEY,
  client_email: CLIENT_EMAIL,
  client_id: '109876543210987654321',
  token_uri: 'https://oauth2.googleapis.com/token',
});
/** A well-formed key the fake does not know: its assertion's signature fails. */
export const FOREIGN_KEY = JSON.stringify({
  ...JSON.parse(SERVICE_ACCOUNT_KEY),
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
});

/** Days of the two report months the fake holds (March filled up to the 6th). */
const DAYS = [
  ...Array.from({ length: 29 }, (_, i) => `2024-02-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 6 }, (_, i) => `2024-03-${String(i + 1).padStart(2, '0')}`),
];
const COUNTRIES = ['US', 'DE'];

export const INSTALL_HEADERS = [
  'Date',
  'Package Name',
  'Daily Device Installs',
  'Daily Device Uninstalls',
  'Daily Device Upgrades',
  'Total User Installs',
  'Daily User Installs',
  'Daily User Uninstalls',
  'Active Device Installs',
  'Install events',
  'Update events',
  'Uninstall events',
];

/** Deterministic counts of a package, day and country ('' = overview). */
export function installCounts(p: number, date: string, country: string): string[] {
  const d = Number(date.slice(8)) + (date < '2024-03-01' ? 0 : 31);
  const c = country === 'DE' ? 2 : 1;
  const n = (k: number) => String((p + 1) * 1000 + d * 10 * c + k);
  return [n(1), n(2), n(3), n(4), n(5), n(6), n(7), n(8), n(9), n(0)];
}

export function ratings(p: number, date: string): [string, string] {
  const d = Number(date.slice(8));
  // Days without a rating are "NA" in Play's files; one value has 18 decimals to prove exactness.
  if (d % 7 === 0) return ['NA', `4.${p}00000000000000001`];
  return [`${(3 + (d % 20) / 10).toFixed(2)}`, `4.${p}00000000000000001`];
}

const crashes = (p: number, date: string): [string, string] => [
  String(p * 3 + Number(date.slice(8))),
  String(Number(date.slice(8)) % 4),
];

const month = (date: string) => date.slice(0, 7).replace('-', '');

function reportFiles(p: number, pkg: string, days: readonly string[]): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const yyyymm of new Set(days.map(month))) {
    const inMonth = days.filter((d) => month(d) === yyyymm);
    files.set(
      `stats/installs/installs_${pkg}_${yyyymm}_overview.csv`,
      utf16Csv([INSTALL_HEADERS, ...inMonth.map((d) => [d, pkg, ...installCounts(p, d, '')])]),
    );
    files.set(
      `stats/installs/installs_${pkg}_${yyyymm}_country.csv`,
      utf16Csv([
        [...INSTALL_HEADERS.slice(0, 2), 'Country', ...INSTALL_HEADERS.slice(2)],
        ...inMonth.flatMap((d) => COUNTRIES.map((c) => [d, pkg, c, ...installCounts(p, d, c)])),
      ]),
    );
    files.set(
      `stats/ratings/ratings_${pkg}_${yyyymm}_overview.csv`,
      utf16Csv([
        ['Date', 'Package Name', 'Daily Average Rating', 'Total Average Rating'],
        ...inMonth.map((d) => [d, pkg, ...ratings(p, d)]),
      ]),
    );
    files.set(
      `stats/crashes/crashes_${pkg}_${yyyymm}_overview.csv`,
      utf16Csv([
        ['Date', 'Package Name', 'Daily Crashes', 'Daily ANRs'],
        ...inMonth.map((d) => [d, pkg, ...crashes(p, d)]),
      ]),
    );
  }
  return files;
}

export const EARNINGS_HEADERS = [
  'Description',
  'Transaction Date',
  'Transaction Time',
  'Tax Type',
  'Transaction Type',
  'Refund Type',
  'Product Title',
  'Product id',
  'Product Type',
  'Sku Id',
  'Hardware',
  'Buyer Country',
  'Buyer State',
  'Buyer Postal Code',
  'Buyer Currency',
  'Amount (Buyer Currency)',
  'Currency Conversion Rate',
  'Merchant Currency',
  'Amount (Merchant Currency)',
  'Base Plan ID',
  'Offer ID',
  'Group ID',
  'First USD 1M Eligible',
  'Promotion ID',
  'Coupon Value',
  'Discount Rate',
  'Featured Products ID',
  'Price Experiment ID',
];

/** The February earnings lines: a charge, its Google fee and a refund per package and day. */
export interface EarningsLine {
  readonly order: string;
  readonly date: string;
  readonly type: string;
  readonly pkg: string;
  readonly country: string;
  readonly buyerCurrency: string;
  readonly buyerAmount: string;
  readonly rate: string;
  readonly amount: string;
}

export const EARNINGS: readonly EarningsLine[] = PACKAGES.flatMap((pkg, p) =>
  ['2024-02-03', '2024-02-27'].flatMap((date, d) => {
    const order = `GPA.3345-${p}${d}12-6789-0${p}${d}34`;
    const country = d === 0 ? 'US' : 'DE';
    return [
      {
        order,
        date,
        type: 'Charge',
        pkg,
        country,
        buyerCurrency: d ? 'EUR' : 'USD',
        buyerAmount: `${4 + p}.99`,
        rate: d ? '1.083400' : '1.000000',
        amount: `${4 + p}.990000`,
      },
      {
        order,
        date,
        type: 'Google fee',
        pkg,
        country,
        buyerCurrency: d ? 'EUR' : 'USD',
        buyerAmount: `-${p}.75`,
        rate: d ? '1.083400' : '1.000000',
        amount: `-${p}.748500`,
      },
    ];
  }),
);

const longDate = (date: string) =>
  `${['Jan', 'Feb', 'Mar'][Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8))}, ${date.slice(0, 4)}`;

function earningsCsv(lines: readonly EarningsLine[]): string {
  const quote = (cell: string) => (/[",]/.test(cell) ? `"${cell}"` : cell);
  const rows = lines.map((l) =>
    [
      l.order,
      longDate(l.date),
      '3:04:05 PM PST',
      '',
      l.type,
      '',
      `App ${l.pkg}`,
      l.pkg,
      'inapp',
      'coins_100',
      'Pixel 8',
      l.country,
      '',
      '',
      l.buyerCurrency,
      l.buyerAmount,
      l.rate,
      'USD',
      l.amount,
      '',
      '',
      '',
      'false',
      '',
      '',
      '',
      '',
      '',
    ]
      .map(quote)
      .join(','),
  );
  return `${[EARNINGS_HEADERS.join(','), ...rows].join('\n')}\n`;
}

export const EARNINGS_FILE = 'earnings/earnings_202402_0123456789012345678-1.zip';

/** Vitals days 2024-02-20 .. 2024-03-05; the API has data up to (not including) 2024-03-05. */
export const VITALS_FRESH_UNTIL = '2024-03-05';
const VITALS_DAYS = DAYS.filter((d) => d >= '2024-02-20' && d < '2024-03-06');

export function vitalsDays(p: number, set: 'crash' | 'anr'): FakeVitalsDay[] {
  const [rateName, perceivedName] =
    set === 'crash' ? ['crashRate', 'userPerceivedCrashRate'] : ['anrRate', 'userPerceivedAnrRate'];
  return VITALS_DAYS.map((date, i) => ({
    date,
    metrics: {
      // 18 decimal places: exact only if nothing turns them into a float on the way.
      [rateName]: `0.0${p}${i % 10}${set === 'crash' ? '123456789012345' : '987654321098765'}`,
      [perceivedName]: `0.00${i}${p}5`,
      distinctUsers: String(1000 * (p + 1) + i),
    },
  }));
}

export function allObjects(days: readonly string[] = DAYS): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  PACKAGES.forEach((pkg, p) => {
    for (const [name, bytes] of reportFiles(p, pkg, days)) objects.set(name, bytes);
  });
  objects.set(EARNINGS_FILE, zipOf({ 'PlayApps_202402.csv': earningsCsv(EARNINGS) }));
  // Another developer's file under a similar name is never read.
  objects.set(
    'stats/installs/installs_com.example.alphax_202403_overview.csv',
    utf16Csv([INSTALL_HEADERS]),
  );
  return objects;
}

/** The files as Play rewrites them two days later: March has days up to the 7th. */
export function rewrittenMarch(): Map<string, Buffer> {
  return allObjects([...DAYS, '2024-03-07']);
}

export function startPlayFake(options: { earningsDenied?: boolean } = {}): Promise<FakePlay> {
  return startFakePlay({
    bucket: BUCKET,
    clientEmail: CLIENT_EMAIL,
    publicKey: keys.publicKey,
    objects: allObjects(),
    vitals: Object.fromEntries(
      PACKAGES.map((pkg, p) => [
        pkg,
        { crashRateMetricSet: vitalsDays(p, 'crash'), anrRateMetricSet: vitalsDays(p, 'anr') },
      ]),
    ),
    vitalsFreshUntil: VITALS_FRESH_UNTIL,
    earningsDenied: options.earningsDenied,
  });
}
