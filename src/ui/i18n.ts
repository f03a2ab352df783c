/**
 * Two languages, English and Simplified Chinese. The default follows the browser (navigator.language), a choice on
 * the screen is remembered per device. Texts from the station arrive as { en, 'zh-CN' } and are picked with `tx`.
 */
import { Store } from './store.js';

export type Lang = 'en' | 'zh-CN';
export interface Text {
  en: string;
  'zh-CN': string;
}

const EN = {
  title: 'Returns Station',
  starting: 'Starting the station screen…',
  live: 'live',
  reconnecting: 'reconnecting…',
  hqUp: 'HQ link up',
  hqDown: 'HQ link down',
  outbox: 'to send: {n}',
  camera: 'camera',
  cameraOff: 'camera off',
  cameraStart: 'Camera scan',
  cameraStop: 'Stop camera',
  scanner: 'scanner',
  language: '中文',
  signInTitle: 'Scan your badge to start',
  demoSignIn: 'Demo station: no scanner needed, sign in with a demo badge:',
  stationLog: 'Station log',
  typeCode: 'Type a barcode, GS1 string or EPC',
  addItem: 'Add item',
  signInHint: 'Hold your badge under the scanner. No keyboard needed.',
  signOut: 'Sign out',
  signedInAs: '{name}',
  scanPrompt: 'Scan an RMA label or an item',
  why: 'Why?',
  hideWhy: 'Hide',
  undo: 'Undo ({s} s)',
  undoTitle: 'Choose the right answer',
  undoReason: 'Undone by the operator within {s} s',
  cancel: 'Cancel',
  scanBin: 'Scan the label of bin {bin}',
  scanTote: 'Scan a tote label to pack bin {bin}',
  scanReceiver: 'Scan the department code or the receiver badge for tote {tote}',
  itemsInCase: 'Items in this return',
  noItems: 'No items yet',
  breakFor: 'Work {t} · break in {b}',
  workFor: 'Work {t}',
  onBreak: 'On a break',
  nudgeOk: 'OK',
  serverDown: 'The station is not answering',
  serverDownHint: 'The screen retries by itself. Nothing scanned before this message is lost. If it lasts more than a minute, call the supervisor.',
  dbDown: 'The station database has a problem',
  dbDownHint: 'Stop scanning. Call the supervisor: the station must be checked before work goes on.',
  deviceDown: '{device} is not working',
  deviceDownHint: 'Re-plug the device. You can continue with the hand scanner.',
  continueAnyway: 'Continue with the hand scanner',
  pageError: 'The screen hit a problem',
  pageErrorHint: 'Reload the screen. Your work is stored in the station.',
  reload: 'Reload',
  retrying: 'Retrying…',
  // supervisor
  supervisor: 'Supervisor',
  operatorScreen: 'Operator screen',
  supSignIn: 'Supervisor sign-in',
  badge: 'Badge',
  pin: 'PIN',
  signIn: 'Sign in',
  notSupervisor: 'This badge has no supervisor rights.',
  tabQueue: 'Queue',
  tabRules: 'Rules',
  tabWorkload: 'Workload',
  tabDevices: 'Devices',
  tabSync: 'Sync / HQ',
  openCases: 'Open cases',
  itemsToday: 'Items today',
  openExceptions: 'Open exceptions',
  handoffsPending: 'Handoffs waiting',
  handoffsEscalated: 'Handoffs overdue',
  exceptions: 'Exceptions',
  noExceptions: 'No open exceptions',
  resolve: 'Resolve',
  reason: 'Reason (required)',
  accept: 'Accept (override)',
  quarantine: 'Quarantine',
  returnToCustomer: 'Back to customer',
  reasonRequired: 'A reason is required.',
  caseOverride: 'Open a blocked return (override)',
  code: 'RMA / order code',
  override: 'Override',
  done: 'Done',
  activeRules: 'Active rule set',
  golden: 'Golden cases: {p} of {t} pass',
  candidate: 'Candidate rule set (YAML or JSON)',
  since: 'History to replay',
  replay: 'Replay',
  activate: 'Activate',
  replayResult: '{total} cases: {changed} would change, {bin} other bin, {fb} undecided',
  from: 'from',
  to: 'to',
  count: 'count',
  history: 'Activations',
  accepted: 'accepted',
  refused: 'refused',
  deviceCol: 'device',
  statusCol: 'status',
  detailCol: 'detail',
  zonesCol: 'antennas → zones',
  readRateCol: 'reads',
  perMin: '{n} / min',
  outboxDepth: 'Not yet confirmed by HQ',
  unsent: 'Not yet sent',
  lastConfirmed: 'Last confirmed by HQ',
  exportCsv: 'Export items (CSV)',
  heatmap: 'Arrivals per hour and weekday',
  forecast: 'Forecast for {day}: arrivals and operators needed',
  arrivals: 'arrivals',
  staffNeeded: 'operators needed',
  usualStaff: 'usually present',
  pressure: 'Queue grows at: {h}',
  signals: 'Signals',
  operators: 'Operators',
  pace: 'items/h',
  usual: 'usual',
  continuous: 'continuous work',
  queue: 'Queue: {n} cases, oldest {m} min',
  throughput: 'Items per operator-hour: {n}',
  effort: 'Actions per item by intake',
  perPersonOff: 'This site shows workload per person only as counts.',
  workloadOff: 'Workload figures are not running on this station.',
  none: 'none',
  loading: 'Loading…',
  error: 'Error',
} as const;

export type Key = keyof typeof EN;

const ZH: Record<Key, string> = {
  title: '退货工作站',
  starting: '正在启动工作站界面…',
  live: '在线',
  reconnecting: '正在重新连接…',
  hqUp: '总部连接正常',
  hqDown: '总部连接中断',
  outbox: '待发送：{n}',
  camera: '摄像头',
  cameraOff: '摄像头关闭',
  cameraStart: '摄像头扫码',
  cameraStop: '关闭摄像头',
  scanner: '扫码枪',
  language: 'English',
  signInTitle: '请扫描工牌开始',
  demoSignIn: '演示工作站：无需扫码枪，请用演示工牌登录：',
  stationLog: '工作站记录',
  typeCode: '输入条码、GS1 字符串或 EPC',
  addItem: '添加商品',
  signInHint: '把工牌放在扫码枪下。不需要键盘。',
  signOut: '退出登录',
  signedInAs: '{name}',
  scanPrompt: '请扫描退货单标签或商品',
  why: '为什么？',
  hideWhy: '收起',
  undo: '撤销（{s} 秒）',
  undoTitle: '请选择正确的答案',
  undoReason: '操作员在 {s} 秒内撤销',
  cancel: '取消',
  scanBin: '请扫描 {bin} 箱的标签',
  scanTote: '请扫描周转箱标签，装入 {bin} 箱的商品',
  scanReceiver: '请扫描部门码或接收人工牌，交接周转箱 {tote}',
  itemsInCase: '本次退货的商品',
  noItems: '还没有商品',
  breakFor: '已工作 {t} · {b} 后休息',
  workFor: '已工作 {t}',
  onBreak: '休息中',
  nudgeOk: '知道了',
  serverDown: '工作站没有响应',
  serverDownHint: '界面会自动重试。此消息出现前扫描的内容不会丢失。如果超过一分钟，请联系主管。',
  dbDown: '工作站数据库出现问题',
  dbDownHint: '请停止扫描并联系主管：必须先检查工作站才能继续。',
  deviceDown: '{device} 无法工作',
  deviceDownHint: '请重新插拔设备。可以继续使用扫码枪。',
  continueAnyway: '继续使用扫码枪',
  pageError: '界面出现问题',
  pageErrorHint: '请重新加载界面。您的工作已保存在工作站中。',
  reload: '重新加载',
  retrying: '正在重试…',
  supervisor: '主管',
  operatorScreen: '操作员界面',
  supSignIn: '主管登录',
  badge: '工牌',
  pin: '密码',
  signIn: '登录',
  notSupervisor: '此工牌没有主管权限。',
  tabQueue: '队列',
  tabRules: '规则',
  tabWorkload: '工作量',
  tabDevices: '设备',
  tabSync: '同步 / 总部',
  openCases: '进行中的退货',
  itemsToday: '今日商品',
  openExceptions: '待处理异常',
  handoffsPending: '待确认交接',
  handoffsEscalated: '逾期交接',
  exceptions: '异常',
  noExceptions: '没有待处理的异常',
  resolve: '处理',
  reason: '原因（必填）',
  accept: '接受（越权）',
  quarantine: '隔离',
  returnToCustomer: '退回客户',
  reasonRequired: '必须填写原因。',
  caseOverride: '开启被阻止的退货（越权）',
  code: '退货单 / 订单号',
  override: '越权开启',
  done: '完成',
  activeRules: '当前规则集',
  golden: '标准用例：{t} 个中 {p} 个通过',
  candidate: '候选规则集（YAML 或 JSON）',
  since: '回放的历史范围',
  replay: '回放',
  activate: '启用',
  replayResult: '{total} 个案例：{changed} 个处置会改变，{bin} 个换箱，{fb} 个无法判定',
  from: '原处置',
  to: '新处置',
  count: '数量',
  history: '启用记录',
  accepted: '已接受',
  refused: '被拒绝',
  deviceCol: '设备',
  statusCol: '状态',
  detailCol: '详情',
  zonesCol: '天线 → 区域',
  readRateCol: '读取',
  perMin: '{n} 次/分钟',
  outboxDepth: '总部尚未确认',
  unsent: '尚未发送',
  lastConfirmed: '总部最近确认',
  exportCsv: '导出商品（CSV）',
  heatmap: '按星期和小时的到货量',
  forecast: '{day} 预测：到货量与所需人数',
  arrivals: '到货',
  staffNeeded: '所需人数',
  usualStaff: '通常在岗',
  pressure: '队列增长时段：{h}',
  signals: '提示',
  operators: '操作员',
  pace: '件/小时',
  usual: '平时',
  continuous: '连续工作',
  queue: '队列：{n} 个退货，最久 {m} 分钟',
  throughput: '每操作员小时件数：{n}',
  effort: '各入口每件操作次数',
  perPersonOff: '本站点只按人数显示个人工作量。',
  workloadOff: '本工作站未运行工作量统计。',
  none: '无',
  loading: '加载中…',
  error: '错误',
};

const STORAGE_KEY = 'rs.lang';

export function defaultLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    /* storage may be disabled in a locked-down kiosk: fall back to the browser language */
  }
  return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const lang = new Store<Lang>(defaultLang());

export function setLang(l: Lang): void {
  lang.set(l);
  document.documentElement.lang = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* not remembered; still switched for this session */
  }
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  const s: string = lang.get() === 'zh-CN' ? ZH[key] : EN[key];
  return s.replace(/\{(\w+)\}/g, (_m, k: string) => String(params[k] ?? `{${k}}`));
}

/** A bilingual text from the station in the current language. */
export function tx(text: Text | undefined | null): string {
  if (!text) return '';
  return lang.get() === 'zh-CN' ? text['zh-CN'] || text.en : text.en;
}

export function minutesText(min: number): string {
  const h = Math.floor(min / 60);
  const m = Math.round(min % 60);
  if (lang.get() === 'zh-CN') return h > 0 ? `${h} 小时 ${m} 分钟` : `${m} 分钟`;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}
