#!/usr/bin/env node
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Opens hud-report's outputs in real consumers, in headless Chromium (Debian's, driven by
// playwright-core), and checks that they show the expected function names:
//
//   --speedscope FILE  speedscope (the npm package's own build, served over HTTP on
//                      127.0.0.1) imports FILE (Chrome trace JSON, folded stacks, ...)
//                      through #profileURL=; each name must be the symbol of a row of the
//                      Sandwich table (DOM text) in at least one of the imported profiles
//                      (one per thread for a trace), found with speedscope's own search.
//   --svg FILE         FILE is opened as an SVG document: it must render (an <svg> root,
//                      no parse or script error), and each name must be a drawn frame
//                      (its <title>, a rectangle of nonzero size); the file's own search()
//                      must highlight it and a click must zoom it to the full width with
//                      its full label.
//
//   [HUD_CHROMIUM=PATH] node consume.mjs [--timeout SECS] [--screenshots DIR]
//                        --expect NAME... (--speedscope FILE | --svg FILE)...
//
// Each file is checked for the --expect names given before it; the first --expect after a
// file starts a new list. Prints one line per check:
//   found KIND FILE NAME: details       missing KIND FILE NAME: why
//   error KIND FILE: what went wrong     note KIND FILE: warnings of the consumer
// and a last line 'result: N found, N missing, N errors'. Exit 0 when every name was found
// and nothing went wrong, 1 otherwise, 2 on bad usage. The browser and the HTTP server are
// always closed; every wait has a timeout, and a watchdog ends the run after --timeout.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.HUD_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--disable-dev-shm-usage'];
const WAIT_MS = 20000; // one page load, import or UI reaction

function usage(msg) {
	if (msg) console.error(`consume.mjs: ${msg}`);
	console.error('usage: node consume.mjs [--timeout SECS] [--screenshots DIR] ' +
		'--expect NAME... (--speedscope FILE | --svg FILE)...');
	process.exit(2);
}

// --- arguments -----------------------------------------------------------------------
let timeoutS = 120, shotDir = null;
const jobs = [];
{
	let names = [], fresh = true;
	const a = process.argv.slice(2);
	for (let i = 0; i < a.length; i++) {
		const opt = a[i], val = a[i + 1];
		if (opt === '-h' || opt === '--help') usage();
		if (val === undefined) usage(`${opt} needs a value`);
		i++;
		if (opt === '--timeout') {
			timeoutS = Number(val);
			if (!(timeoutS > 0)) usage(`bad --timeout ${val}`);
		} else if (opt === '--screenshots') {
			shotDir = path.resolve(val);
		} else if (opt === '--expect') {
			if (!fresh) names = [];
			fresh = true;
			names.push(val);
		} else if (opt === '--speedscope' || opt === '--svg') {
			if (!names.length) usage(`${opt} ${val}: no --expect NAME before it`);
			if (!fs.existsSync(val)) usage(`${val}: no such file`);
			jobs.push({ kind: opt.slice(2), file: path.resolve(val), names });
			fresh = false;
		} else usage(`unknown option ${opt}`);
	}
	if (!jobs.length) usage('nothing to open');
}

const speedscopeDir = path.join(here, 'node_modules', 'speedscope', 'dist', 'release');
if (!fs.existsSync(path.join(speedscopeDir, 'index.html')))
	usage(`${speedscopeDir}/index.html missing: run tests/browser/setup.sh (npm ci)`);
if (!fs.existsSync(CHROMIUM))
	usage(`${CHROMIUM} missing: run tests/browser/setup.sh (apt-get install chromium)`);
let chromium;
try {
	({ chromium } = await import('playwright-core'));
} catch (e) {
	usage(`playwright-core cannot be loaded (${e.message}): run tests/browser/setup.sh`);
}

// --- results -------------------------------------------------------------------------
const counts = { found: 0, missing: 0, error: 0 };
const oneLine = (s, max = 300) => {
	s = String(s).replace(/\s+/g, ' ').trim();
	return s.length > max ? s.slice(0, max) + '...' : s;
};
function report(what, job, text) {
	if (what in counts) counts[what]++;
	const sep = !text ? '' : text.startsWith(':') ? '' : ' ';
	console.log(`${what} ${job.kind} ${path.basename(job.file)}${sep}${text || ''}`);
}

// --- HTTP server: speedscope's build under /speedscope/, the files under /files/ -----
const TYPES = {
	'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
	'.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
	'.ico': 'image/x-icon', '.wasm': 'application/wasm', '.woff2': 'font/woff2',
	'.txt': 'text/plain; charset=utf-8',
};
const served = new Map(); // URL path -> file
jobs.forEach((j, i) => {
	j.urlPath = `/files/${i}/${encodeURIComponent(path.basename(j.file))}`;
	served.set(j.urlPath, j.file);
});
const server = http.createServer((req, res) => {
	const p = new URL(req.url, 'http://127.0.0.1').pathname;
	let file = served.get(p);
	if (!file && p.startsWith('/speedscope/')) {
		const rel = path.normalize(decodeURIComponent(p.slice('/speedscope/'.length)) || 'index.html');
		if (!rel.startsWith('..') && !path.isAbsolute(rel)) file = path.join(speedscopeDir, rel);
	}
	fs.readFile(file || '/nonexistent', (err, data) => {
		if (err) {
			res.writeHead(404, { 'Content-Type': 'text/plain' });
			res.end('not found');
			return;
		}
		res.writeHead(200, {
			'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
			'Cache-Control': 'no-store',
		});
		res.end(data);
	});
});

// --- browser -------------------------------------------------------------------------
let context = null, userDataDir = null, finished = false;
async function shutdown() {
	if (context) {
		const c = context;
		context = null;
		await Promise.race([c.close().catch(() => {}), new Promise(r => setTimeout(r, 10000))]);
	}
	await new Promise(r => server.close(() => r()));
	if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
}
const watchdog = setTimeout(async () => {
	if (finished) return;
	console.log(`error: gave up after ${timeoutS} s (--timeout)`);
	await shutdown().catch(() => {});
	process.exit(1);
}, timeoutS * 1000);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
	process.on(sig, async () => {
		await shutdown().catch(() => {});
		process.exit(1);
	});

// A page with its JS errors, console messages and dialogs recorded.
async function openPage(base) {
	const page = await context.newPage();
	page.setDefaultTimeout(WAIT_MS);
	page.setDefaultNavigationTimeout(WAIT_MS);
	const log = { errors: [], console: [], dialogs: [], blocked: [] };
	page.on('pageerror', e => log.errors.push(`page error: ${e.message}`));
	page.on('crash', () => log.errors.push('page crashed'));
	page.on('console', m => log.console.push({ type: m.type(), text: m.text() }));
	page.on('dialog', d => {
		log.dialogs.push(`${d.type()}: ${d.message()}`);
		if (page.dialogAnswer !== undefined && d.type() === 'prompt')
			d.accept(page.dialogAnswer).catch(() => {});
		else d.dismiss().catch(() => {});
	});
	// Nothing leaves the machine: only our own server is reachable.
	await page.route(u => !u.href.startsWith(base) && u.protocol !== 'data:' && u.protocol !== 'blob:',
		r => {
			log.blocked.push(r.request().url());
			r.abort().catch(() => {});
		});
	return { page, log };
}

async function screenshot(page, job, suffix) {
	if (!shotDir) return;
	fs.mkdirSync(shotDir, { recursive: true });
	const f = path.join(shotDir, `${job.kind}-${path.basename(job.file)}${suffix}.png`);
	await page.screenshot({ path: f, timeout: WAIT_MS }).catch(() => {});
}

// --- speedscope ----------------------------------------------------------------------

// The Sandwich table's visible rows: the symbol column's text of each row.
function sandwichRows() {
	const th = [...document.querySelectorAll('th')].find(t => t.textContent.trim() === 'Symbol Name');
	if (!th) return null;
	const cls = th.closest('table').className;
	const rows = [];
	for (const table of document.querySelectorAll('table')) {
		if (table.className !== cls) continue;
		for (const tr of table.querySelectorAll('tr')) {
			const td = tr.querySelectorAll('td');
			if (td.length === 3) rows.push(td[2].textContent);
		}
	}
	return rows;
}

// The toolbar's profile name and "(i/N)" position (N = 1 when there is no counter).
function profileTitle() {
	for (const line of document.body.innerText.split('\n')) {
		const m = /^(.*\S) \((\d+)\/(\d+)\)$/.exec(line.trim());
		if (m) return { name: m[1], index: +m[2], count: +m[3] };
	}
	return { name: document.title.replace(/ - speedscope$/, ''), index: 1, count: 1 };
}

// Every row of the Sandwich table, scrolling through it (the list is virtualized).
async function allSandwichRows(page) {
	return page.evaluate(async ([rowsSrc]) => {
		const rows = new Function(`return (${rowsSrc})()`);
		const seen = new Set(rows() || []);
		const th = [...document.querySelectorAll('th')].find(t => t.textContent.trim() === 'Symbol Name');
		let scroller = null;
		for (const el of document.querySelectorAll('div'))
			if (el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(el).overflowY) &&
				el.querySelector('td') && !el.contains(th)) { scroller = el; break; }
		if (scroller) {
			for (let i = 0; i < 2000 && scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight; i++) {
				scroller.scrollTop += Math.max(scroller.clientHeight - 40, 40);
				await new Promise(r => requestAnimationFrame(() => setTimeout(r, 10)));
				for (const r of rows() || []) seen.add(r);
			}
			scroller.scrollTop = 0;
		}
		return [...seen];
	}, [sandwichRows.toString()]);
}

// A row shows NAME when its symbol is NAME, or NAME followed by the event's arguments
// (speedscope names a trace event "name {args as JSON}").
const rowShows = (row, name) => row === name || row.startsWith(name + ' ');

async function checkSpeedscope(job, base) {
	const { page, log } = await openPage(base);
	const url = `${base}/speedscope/index.html#profileURL=${encodeURIComponent(base + job.urlPath)}` +
		'&view=sandwich';
	try {
		await page.goto(url, { waitUntil: 'load' });
		// Imported (the Sandwich table is there), or failed (error view, alert, page error).
		let imported = false;
		for (const end = Date.now() + WAIT_MS; Date.now() < end;) {
			const state = await page.evaluate(() =>
				[...document.querySelectorAll('th')].some(t => t.textContent.trim() === 'Symbol Name') ? 'ok'
					: document.body.innerText.includes('Something went wrong') ? 'failed' : '');
			if (state) { imported = state === 'ok'; break; }
			if (log.dialogs.length || log.errors.length) break;
			await page.waitForTimeout(100);
		}
		const how = log.console.find(m => m.text.startsWith('Importing as '));
		if (!imported) {
			await screenshot(page, job, '-failed');
			report('error', job, `: speedscope did not import it (${oneLine([...log.dialogs, ...log.errors,
				...log.console.filter(m => m.type === 'error').map(m => m.text)].join('; ') ||
				'no Sandwich table after ' + WAIT_MS / 1000 + ' s')})`);
			for (const n of job.names) report('missing', job, `${n}: not imported`);
			return;
		}
		const first = await page.evaluate(profileTitle);
		const profiles = [];
		// found[name] = [ "profile i/N "title" (k rows)", ... ]
		const found = Object.fromEntries(job.names.map(n => [n, []]));
		for (let p = 0; p < first.count; p++) {
			const title = await page.evaluate(profileTitle);
			profiles.push(title.name);
			for (const name of job.names) {
				// speedscope's search (Ctrl+F) filters the Sandwich table to matching symbols.
				await page.keyboard.press('Control+f');
				const input = page.locator('input:focus');
				await input.waitFor({ timeout: WAIT_MS });
				await input.fill(name);
				await page.waitForFunction(([rowsSrc, q]) => {
					const rows = new Function(`return (${rowsSrc})()`)();
					return rows && rows.every(r => r.toLowerCase().includes(q.toLowerCase()));
				}, [sandwichRows.toString(), name], { timeout: WAIT_MS });
				await page.waitForTimeout(100);
				const rows = (await allSandwichRows(page)).filter(r => rowShows(r, name));
				if (rows.length)
					found[name].push(`profile ${title.index}/${title.count} "${title.name}" (${rows.length} rows)`);
				if (p === 0) await screenshot(page, job, `-${name.replace(/[^A-Za-z0-9_]+/g, '_')}`);
			}
			await page.keyboard.press('Escape');
			await page.evaluate(() => document.activeElement && document.activeElement.blur());
			if (p + 1 < first.count) {
				await page.keyboard.press('n'); // speedscope: next profile
				await page.waitForFunction(([src, i]) => new Function(`return (${src})()`)().index === i,
					[profileTitle.toString(), title.index + 1], { timeout: WAIT_MS });
			}
		}
		console.log(`info speedscope ${path.basename(job.file)}: ${how ? how.text.replace(/^Importing as /, 'imported as ') : 'imported'}, ` +
			`${profiles.length} profile(s): ${profiles.map(n => `"${n}"`).join(', ')}`);
		for (const name of job.names) {
			if (found[name].length) report('found', job, `${name}: Sandwich row in ${found[name].join(', ')}`);
			else report('missing', job, `${name}: no Sandwich row with this symbol in ${profiles.length} profile(s)`);
		}
		const warnings = log.console.filter(m => m.type === 'warning' && !/GL Driver Message|WebGL/.test(m.text));
		if (warnings.length)
			console.log(`note speedscope ${path.basename(job.file)}: ${warnings.length} import warning(s), first: ${oneLine(warnings[0].text, 400)}`);
		for (const e of [...log.errors, ...log.dialogs]) report('error', job, `: ${oneLine(e)}`);
	} catch (e) {
		await screenshot(page, job, '-failed');
		report('error', job, `: ${oneLine(e.message)}`);
	} finally {
		if (log.blocked.length) console.log(`note speedscope ${path.basename(job.file)}: blocked ${log.blocked.length} outside request(s), first ${log.blocked[0]}`);
		await page.close().catch(() => {});
	}
}

// --- SVG flame graph -----------------------------------------------------------------

async function checkSvg(job, base) {
	const { page, log } = await openPage(base);
	try {
		await page.goto(base + job.urlPath, { waitUntil: 'load' });
		const doc = await page.evaluate(() => {
			const root = document.documentElement;
			const r = root.getBoundingClientRect();
			return {
				svg: root instanceof SVGSVGElement,
				parseError: document.getElementsByTagName('parsererror').length > 0,
				width: Math.round(r.width), height: Math.round(r.height),
				frames: document.querySelectorAll('g.f').length,
				title: [...root.children].filter(e => e.tagName === 'text').map(e => e.textContent)
					.find(t => t.trim()) || '',
				hasSearch: typeof window.search === 'function',
			};
		});
		if (!doc.svg || doc.parseError) {
			report('error', job, `: not rendered as an SVG document${doc.parseError ? ' (XML parse error)' : ''}`);
			for (const n of job.names) report('missing', job, `${n}: not rendered`);
			return;
		}
		console.log(`info svg ${path.basename(job.file)}: rendered ${doc.width}x${doc.height} px, ` +
			`${doc.frames} frames, "${oneLine(doc.title)}"`);
		for (const name of job.names) {
			// The frame: the flame graph's own name() strips the " (N samples, P%)" suffix.
			const frame = await page.evaluate(n => {
				const gs = [...document.querySelectorAll('g.f')];
				let best = null;
				gs.forEach((g, i) => {
					const t = g.querySelector('title').textContent;
					if (t.replace(/ \([^(]*\)$/, '') !== n) return;
					const b = g.querySelector('rect').getBoundingClientRect();
					if (!best || b.width > best.w) best = { i, title: t, w: b.width, h: b.height };
				});
				return best;
			}, name);
			if (!frame || !(frame.w > 0 && frame.h > 0)) {
				report('missing', job, `${name}: ${frame ? 'frame drawn with no size' : 'no frame with this name'}`);
				continue;
			}
			// Its search(): prompt() answered with the escaped name.
			page.dialogAnswer = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
			const search = await page.evaluate(() => {
				window.search();
				return {
					hits: [...document.querySelectorAll('g.f rect')].filter(r => r.getAttribute('stroke') === '#c0f').length,
					matched: (document.getElementById('matched') || {}).textContent || '',
				};
			});
			page.dialogAnswer = undefined;
			// A click zooms the frame to the full width; its label then shows the whole name.
			const g = page.locator('g.f').nth(frame.i);
			await g.locator('rect').click({ force: true, timeout: WAIT_MS });
			const zoom = await page.evaluate(i => {
				const g = document.querySelectorAll('g.f')[i];
				const t = g.querySelector('text');
				return { w: Math.round(g.querySelector('rect').getBoundingClientRect().width),
					label: t.textContent, labelW: Math.round(t.getBoundingClientRect().width),
					rootW: Math.round(document.querySelector('g.f rect').getBoundingClientRect().width) };
			}, frame.i);
			await screenshot(page, job, `-${name.replace(/[^A-Za-z0-9_]+/g, '_')}`);
			await page.locator('g.f').first().locator('rect').click({ force: true, timeout: WAIT_MS }); // unzoom
			const problems = [];
			if (search.hits < 1 || !/^matched: [0-9.]+%$/.test(search.matched) || /^matched: 0\.00%$/.test(search.matched))
				problems.push(`search() highlighted ${search.hits} frame(s), "${search.matched}"`);
			if (zoom.label !== name || !(zoom.labelW > 0) || zoom.w < zoom.rootW - 1)
				problems.push(`click zoomed it to ${zoom.w} px (root ${zoom.rootW} px) with label "${zoom.label}"`);
			if (problems.length) report('missing', job, `${name}: frame "${frame.title}" found but ${problems.join('; ')}`);
			else report('found', job, `${name}: frame "${frame.title}" ${Math.round(frame.w)}x${Math.round(frame.h)} px; ` +
				`search() highlighted ${search.hits} frame(s), ${search.matched}; click zoomed it to ${zoom.w} px, ` +
				`label "${zoom.label}" ${zoom.labelW} px wide`);
		}
		const consoleErrors = log.console.filter(m => m.type === 'error').map(m => `console error: ${m.text}`);
		for (const e of [...log.errors, ...consoleErrors]) report('error', job, `: ${oneLine(e)}`);
		const stray = log.dialogs.filter(d => !d.startsWith('prompt: Search'));
		for (const d of stray) report('error', job, `: unexpected dialog ${oneLine(d)}`);
	} catch (e) {
		await screenshot(page, job, '-failed');
		report('error', job, `: ${oneLine(e.message)}`);
	} finally {
		if (log.blocked.length) console.log(`note svg ${path.basename(job.file)}: blocked ${log.blocked.length} outside request(s), first ${log.blocked[0]}`);
		await page.close().catch(() => {});
	}
}

// --- main ----------------------------------------------------------------------------
let status = 1;
try {
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const base = `http://127.0.0.1:${server.address().port}`;
	userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hud-chromium-'));
	const t0 = Date.now();
	context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: WAIT_MS,
		viewport: { width: 1280, height: 1000 }, handleSIGINT: false, handleSIGTERM: false,
		handleSIGHUP: false,
	});
	const pw = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'playwright-core', 'package.json'), 'utf8'));
	const ss = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'speedscope', 'package.json'), 'utf8'));
	console.log(`info browser: ${CHROMIUM} ${context.browser()?.version() ?? ''} via playwright-core ${pw.version}; speedscope ${ss.version}; ` +
		`started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	for (const job of jobs) {
		const t0 = Date.now();
		if (job.kind === 'speedscope') await checkSpeedscope(job, base);
		else await checkSvg(job, base);
		console.log(`info ${job.kind} ${path.basename(job.file)}: checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	}
	status = counts.missing || counts.error ? 1 : 0;
} catch (e) {
	console.log(`error: ${oneLine(e.message, 600)}`);
	counts.error++;
} finally {
	finished = true;
	clearTimeout(watchdog);
	await shutdown().catch(() => {});
}
console.log(`result: ${counts.found} found, ${counts.missing} missing, ${counts.error} errors`);
process.exit(status);
