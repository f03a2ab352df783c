/**
 * The sign-in page for supervisors' tablets and HQ browsers. It is served before anyone is signed in, so it holds
 * no data and no secret: just a form that posts to /api/auth/login. The script and the styles are separate files
 * because the CSP forbids inline scripts and styles.
 */
export const LOGIN_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Returns Station</title>
<link rel="stylesheet" href="/login.css">
</head>
<body>
<form id="f" autocomplete="off">
  <h1 data-t="title">Sign in to the returns station</h1>
  <label for="user" data-t="user">User</label>
  <input id="user" name="user" autocapitalize="off" spellcheck="false">
  <label for="pin" data-t="pin">PIN</label>
  <input id="pin" name="pin" type="password" inputmode="numeric">
  <p class="or" data-t="or">or scan your badge</p>
  <label for="badge" data-t="badge">Badge</label>
  <input id="badge" name="badge" type="password">
  <button type="submit" data-t="submit">Sign in</button>
  <div id="msg" role="alert"></div>
</form>
<script src="/login.js"></script>
</body>
</html>
`;

export const LOGIN_JS = `(() => {
  const zh = (navigator.language || '').toLowerCase().startsWith('zh');
  const T = zh
    ? { title: '登录退货工作站', user: '用户', pin: 'PIN 码', or: '或扫描工牌', badge: '工牌', submit: '登录', bad: '用户或 PIN 码不正确', locked: '尝试次数过多，请稍后再试', fail: '无法登录，请重试' }
    : { title: 'Sign in to the returns station', user: 'User', pin: 'PIN', or: 'or scan your badge', badge: 'Badge', submit: 'Sign in', bad: 'User or PIN not recognised', locked: 'Too many tries; wait a few minutes', fail: 'Could not sign in; try again' };
  if (zh) document.documentElement.lang = 'zh-CN';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T[el.dataset.t];
  const next = new URLSearchParams(location.search).get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\\\') ? next : '/';
  const form = document.getElementById('f');
  const msg = document.getElementById('msg');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const badge = form.badge.value.trim();
    const body = badge ? { badge } : { user: form.user.value.trim(), pin: form.pin.value };
    form.pin.value = '';
    form.badge.value = '';
    try {
      const res = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
      if (res.ok) { location.replace(target); return; }
      msg.textContent = res.status === 429 ? T.locked : res.status === 401 ? T.bad : T.fail;
    } catch { msg.textContent = T.fail; }
  });
})();
`;

export const LOGIN_CSS = `body { font: 20px/1.4 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f3f4f6; }
form { background: #fff; padding: 2rem; border-radius: 12px; width: min(26rem, 92vw); box-shadow: 0 2px 12px #0002; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
label { display: block; margin: .8rem 0 .2rem; }
input { font-size: 1.2rem; width: 100%; box-sizing: border-box; padding: .6rem; }
button { font-size: 1.2rem; width: 100%; margin-top: 1.2rem; padding: .8rem; border: 0; border-radius: 8px; background: #1d4ed8; color: #fff; }
.or { text-align: center; margin: 1rem 0 0; color: #555; }
#msg { color: #b91c1c; min-height: 1.4em; margin-top: .8rem; }
`;
