/**
 * Operators' workload for the supervisor: who needs a break (signals with reasons), pace against usual, the arrivals
 * heatmap, tomorrow's forecast with the operators needed, and effort per item by intake path.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ForecastResponse, WorkloadResponse } from '../../../server/routes/supervisor-types.js';
import { getJson } from '../../api.js';
import { EChart, type ChartOption } from '../../charts.js';
import { lang, minutesText, t, tx } from '../../i18n.js';
import { useStore } from '../../store.js';

const WEEKDAYS = { en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], 'zh-CN': ['周一', '周二', '周三', '周四', '周五', '周六', '周日'] };
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

function heatmapOption(heat: number[][], l: 'en' | 'zh-CN'): ChartOption {
  const data: Array<[number, number, number]> = [];
  let max = 0;
  heat.forEach((row, wd) => row.forEach((v, h) => {
    data.push([h, wd, Math.round(v * 10) / 10]);
    max = Math.max(max, v);
  }));
  return {
    animation: false,
    tooltip: { position: 'top', renderMode: 'richText' },
    grid: { left: 50, right: 20, top: 10, bottom: 70 },
    xAxis: { type: 'category', data: HOURS, splitArea: { show: true } },
    yAxis: { type: 'category', data: WEEKDAYS[l], inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, Math.ceil(max)), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f1f5f9', '#93c5fd', '#1d4ed8', '#7c2d12'] } },
    series: [{ type: 'heatmap', data, label: { show: false } }],
  };
}

function forecastOption(f: NonNullable<Extract<ForecastResponse, { available: true }>['forecast']>): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { data: [t('arrivals'), t('staffNeeded'), t('usualStaff')] },
    grid: { left: 45, right: 45, top: 35, bottom: 30 },
    xAxis: { type: 'category', data: HOURS },
    yAxis: [{ type: 'value', name: t('arrivals') }, { type: 'value', name: t('staffNeeded'), minInterval: 1 }],
    series: [
      {
        name: t('arrivals'), type: 'bar', data: f.hourly.map((v) => Math.round(v * 10) / 10), itemStyle: { color: '#60a5fa' },
        markArea: { itemStyle: { color: 'rgba(220,38,38,0.12)' }, data: f.pressureHours.map((h) => [{ xAxis: HOURS[h] }, { xAxis: HOURS[h] }]) },
      },
      { name: t('staffNeeded'), type: 'line', step: 'middle', yAxisIndex: 1, data: f.staffing, itemStyle: { color: '#dc2626' } },
      { name: t('usualStaff'), type: 'line', step: 'middle', yAxisIndex: 1, data: f.usualStaff.map((v) => Math.round(v * 10) / 10), lineStyle: { type: 'dashed' }, itemStyle: { color: '#374151' } },
    ],
  };
}

function paceOption(ops: Array<{ operator: string; itemsPerHour: number; usualItemsPerHour?: number }>): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { data: [t('pace'), t('usual')] },
    grid: { left: 90, right: 20, top: 30, bottom: 25 },
    yAxis: { type: 'category', data: ops.map((o) => o.operator) },
    xAxis: { type: 'value' },
    series: [
      { name: t('pace'), type: 'bar', data: ops.map((o) => o.itemsPerHour), itemStyle: { color: '#2563eb' } },
      { name: t('usual'), type: 'bar', data: ops.map((o) => o.usualItemsPerHour ?? 0), itemStyle: { color: '#cbd5e1' } },
    ],
  };
}

function effortOption(e: Record<string, number>): ChartOption {
  const keys = Object.keys(e);
  return {
    animation: false,
    grid: { left: 70, right: 20, top: 10, bottom: 25 },
    yAxis: { type: 'category', data: keys },
    xAxis: { type: 'value' },
    series: [{ type: 'bar', data: keys.map((k) => Math.round((e[k] ?? 0) * 100) / 100), itemStyle: { color: '#0e7490' }, label: { show: true, position: 'right' } }],
  };
}

export function WorkloadTab() {
  const l = useStore(lang);
  const [w, setW] = useState<WorkloadResponse | null>(null);
  const [f, setF] = useState<ForecastResponse | null>(null);
  useEffect(() => {
    const load = async (): Promise<void> => {
      const [a, b] = await Promise.all([getJson<WorkloadResponse>('/api/supervisor/workload'), getJson<ForecastResponse>('/api/supervisor/workload/forecast')]);
      if (a.ok) setW(a.body);
      if (b.ok) setF(b.body);
    };
    void load();
    const id = setInterval(() => void load(), 15_000);
    return () => clearInterval(id);
  }, []);
  const snap = w?.available ? w.snapshot : null;
  const heat = useMemo(() => (snap ? heatmapOption(snap.station.arrivalsHeatmap, l) : null), [snap?.at, l]);
  const fc = useMemo(() => (f?.available ? forecastOption(f.forecast) : null), [f, l]);
  const pace = useMemo(() => (snap && snap.operators.length ? paceOption(snap.operators) : null), [snap?.at, l]);
  const effort = useMemo(() => (snap ? effortOption(snap.station.effortByIntake) : null), [snap?.at]);
  if (!w) return html`<div class="tab">${t('loading')}</div>`;
  if (!w.available || !snap) return html`<div class="tab"><p class="muted">${t('workloadOff')}</p></div>`;
  const st = snap.station;
  const alerts = snap.operators.filter((o) => o.signals.length > 0);
  return html`<div class="tab workload" data-testid="tab-workload">
    <div class="kpis">
      <div class="kpi"><b>${st.activeOperators}</b>${t('operators')}</div>
      <div class=${`kpi ${st.queueLength > 10 ? 'warn' : ''}`}><b>${st.queueLength}</b>${t('queue', { n: st.queueLength, m: Math.round(st.oldestWaitMin) })}</div>
      <div class="kpi"><b>${st.throughputPerOperatorHour}</b>${t('throughput', { n: st.throughputPerOperatorHour })}</div>
      ${Object.entries(snap.signalCounts).map(([code, n]) => html`<div class="kpi warn" data-signal=${code}><b>${n}</b>${code}</div>`)}
    </div>
    <section class="card" data-testid="signals"><h3>${t('signals')}</h3>
      ${!w.perPerson ? html`<p class="muted">${t('perPersonOff')}</p>` : null}
      ${alerts.length === 0 && w.perPerson ? html`<p class="muted">${t('none')}</p>` : null}
      <table class="grid"><tbody>${alerts.map((o) => html`<tr><td>${o.operator}</td><td>${minutesText(o.continuousWorkMin)} ${t('continuous')}</td><td>${o.itemsPerHour} ${t('pace')}${o.usualItemsPerHour ? ` (${t('usual')} ${o.usualItemsPerHour})` : ''}</td><td>${o.signals.map((s) => html`<div class=${`sig ${s.severity}`} data-code=${s.code}>${tx(s.message)}</div>`)}</td></tr>`)}</tbody></table>
    </section>
    <div class="charts">
      <section class="card"><h3>${t('heatmap')}</h3>${heat ? html`<${EChart} option=${heat} testid="chart-heatmap" />` : null}</section>
      <section class="card"><h3>${f?.available ? t('forecast', { day: f.forecast.day }) : t('forecast', { day: '' })}</h3>
        ${fc ? html`<${EChart} option=${fc} testid="chart-forecast" />` : html`<p class="muted">${f && !f.available ? f.reason : t('loading')}</p>`}
        ${f?.available && f.forecast.pressureHours.length ? html`<p class="warn-text">${t('pressure', { h: f.forecast.pressureHours.map((h) => `${HOURS[h]}:00`).join(', ') })}</p>` : null}
      </section>
      ${pace ? html`<section class="card"><h3>${t('operators')}</h3><${EChart} option=${pace} height=${Math.max(160, snap.operators.length * 28 + 60)} testid="chart-pace" /></section>` : null}
      <section class="card"><h3>${t('effort')}</h3>${effort ? html`<${EChart} option=${effort} height=${160} testid="chart-effort" />` : null}</section>
    </div>
  </div>`;
}
