/**
 * The parts of ECharts the supervisor charts use, registered once. Imported lazily (charts.ts), so named imports
 * here let the bundler drop the chart types we never draw.
 */
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([HeatmapChart, BarChart, LineChart, GridComponent, TooltipComponent, VisualMapComponent, LegendComponent, MarkAreaComponent, TitleComponent, CanvasRenderer]);

export { init };
