// The maintenance screen: shown by the shell after repeated crashes (BUG-55) or when the station cannot start.
// Plain script (no Node, no framework); the only call out is window.stationShell.retry() from the preload.
/* global document, window, location */
(function () {
  var zh = (navigator.language || '').toLowerCase().indexOf('zh') === 0;
  var q = new URLSearchParams(location.search);
  var reason = q.get('reason') || '';
  var T = zh
    ? {
        title: '工作站屏幕需要维护',
        body: '请联系主管。已扫描的物品已安全保存。',
        loop: '屏幕在 {m} 分钟内崩溃了 {n} 次，已通知总部。',
        failed: '工作站无法启动：{e}',
        retry: '重试',
      }
    : {
        title: "The station's screen needs attention",
        body: 'Call a supervisor. Items already scanned are safe.',
        loop: 'The screen crashed {n} times in {m} minutes; HQ has been told.',
        failed: 'The station could not start: {e}',
        retry: 'Try again',
      };
  if (zh) document.documentElement.lang = 'zh-CN';
  document.getElementById('title').textContent = T.title;
  document.getElementById('body').textContent = T.body;
  var detail = '';
  if (reason === 'crash-loop') detail = T.loop.replace('{n}', q.get('crashes') || '?').replace('{m}', q.get('minutes') || '?');
  if (reason === 'station-failed') detail = T.failed.replace('{e}', q.get('error') || '');
  document.getElementById('detail').textContent = detail;
  var button = document.getElementById('retry');
  button.textContent = T.retry;
  button.addEventListener('click', function () {
    button.disabled = true;
    if (window.stationShell) window.stationShell.retry().catch(function () { button.disabled = false; });
  });
})();
