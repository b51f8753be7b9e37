// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * A self-contained SVG flame graph (no flamegraph.pl): one rectangle per frame, root at
 * the bottom, width proportional to its value. Hovering shows a title; clicking a frame
 * zooms into it (click the root to reset); "Search" highlights frames matching a regular
 * expression and prints the matched share. hud-report draws profiles with it, hud-diff
 * differential graphs (two values per frame, colored by their difference).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "flame.h"
#include "util.h"

#define SVG_WIDTH	1200
#define FRAME_H		16
#define PAD_TOP		40
#define PAD_BOTTOM	24
#define MIN_PX		0.3
#define FLAME_MAX_DEPTH 512 /* levels drawn under the root */

static struct flame_node *node_new(const char *name, size_t len)
{
	struct flame_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	if (!n->name) {
		free(n);
		return NULL;
	}
	return n;
}

void flame__free(struct flame_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nr; i++)
		flame__free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n);
}

static struct flame_node *child(struct flame_node *n, const char *name, size_t len)
{
	struct flame_node *c;
	size_t i;

	for (i = 0; i < n->nr; i++)
		if (strlen(n->kids[i]->name) == len && !strncmp(n->kids[i]->name, name, len))
			return n->kids[i];
	if (!HUD_GROW(n->kids, n->cap, n->nr + 1))
		return NULL;
	c = node_new(name, len);
	if (c)
		n->kids[n->nr++] = c;
	return c;
}

static int depth_of(const struct flame_node *n)
{
	int d = 0, k;
	size_t i;

	for (i = 0; i < n->nr; i++) {
		k = depth_of(n->kids[i]);
		if (k > d)
			d = k;
	}
	return d + 1;
}

struct flame_node *flame__new(void)
{
	return node_new("all", 3);
}

int flame__add(struct flame_node *root, const char *stack, double value, double before)
{
	static const char cut[] = "[deeper frames not drawn]";
	struct flame_node *n = root;
	const char *s = stack;
	int depth = 0;

	root->value += value;
	root->before += before;
	while (*s && n) {
		const char *semi = strchr(s, ';');
		size_t len = semi ? (size_t)(semi - s) : strlen(s);

		/*
		 * A file may hold stacks of up to 2 x 65535 frames; the tree is walked
		 * recursively, so its depth is bounded (real stacks are far shallower).
		 */
		if (depth++ == FLAME_MAX_DEPTH) {
			n = child(n, cut, sizeof(cut) - 1);
			if (n) {
				n->value += value;
				n->before += before;
			}
			break;
		}
		n = child(n, s, len);
		if (n) {
			n->value += value;
			n->before += before;
		}
		s += len + (semi ? 1 : 0);
	}
	return n ? 0 : -ENOMEM;
}

void flame__xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, out);
		}
	}
}

/* Color by what the frame is: the user's code warm, runtime blue, std grey, kernel orange. */
void flame__class_color(const struct flame_node *n, void *ctx, char *buf, size_t size)
{
	const char *name = n->name;
	size_t len = strlen(name);
	unsigned h = 0;
	const char *c;
	enum hud_frame_class cls;

	for (c = name; *c; c++)
		h = h * 31 + (unsigned char)*c;
	if (len > 4 && !strcmp(name + len - 4, "_[k]"))
		cls = HUD_FC_KERNEL;
	else if (name[0] == '[')
		cls = HUD_FC_UNKNOWN;
	else
		cls = hud_classify_frame(name, NULL, NULL, 0);
	switch (cls) {
	case HUD_FC_USER:
		snprintf(buf, size, "rgb(%u,%u,%u)", 225 + h % 30, 90 + h % 110, 40 + h % 40);
		break;
	case HUD_FC_RUNTIME:
		snprintf(buf, size, "rgb(%u,%u,%u)", 90 + h % 40, 150 + h % 50, 215 + h % 35);
		break;
	case HUD_FC_THIRD_PARTY:
		snprintf(buf, size, "rgb(%u,%u,%u)", 120 + h % 40, 200 + h % 40, 120 + h % 40);
		break;
	case HUD_FC_KERNEL:
		snprintf(buf, size, "rgb(%u,%u,%u)", 235 + h % 20, 150 + h % 40, 60 + h % 30);
		break;
	case HUD_FC_SYSTEM:
		snprintf(buf, size, "rgb(%u,%u,%u)", 200 + h % 30, 200 + h % 30, 130 + h % 30);
		break;
	default:
		snprintf(buf, size, "rgb(%u,%u,%u)", 175 + h % 30, 175 + h % 30, 175 + h % 30);
	}
}

struct draw {
	FILE *out;
	double total;
	int height;
	const struct flame_style *st;
};

static double width_of(const struct draw *d, const struct flame_node *n)
{
	return d->st->width ? d->st->width(n) : n->value;
}

static void draw(struct draw *d, const struct flame_node *n, double x, int depth)
{
	double w = width_of(d, n) / d->total * (SVG_WIDTH - 20);
	int y = d->height - PAD_BOTTOM - (depth + 1) * FRAME_H;
	char color[32];
	double cx = x;
	int chars;
	size_t i;

	if (w < MIN_PX)
		return;
	d->st->color(n, d->st->ctx, color, sizeof(color));
	fprintf(d->out, "<g class=\"f\"><title>");
	flame__xml_text(d->out, n->name);
	fputs(" (", d->out);
	d->st->describe(d->out, n, d->total, d->st->ctx);
	fprintf(d->out,
		")</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
		"height=\"%d\" fill=\"%s\" rx=\"2\"/><text x=\"%.2f\" y=\"%d\">",
		x, y, w, FRAME_H - 1, color, x + 3, y + FRAME_H - 4);
	/* Labels fit the box (about 7 px per character); the script redoes this on zoom. */
	chars = (int)((w - 6) / 7);
	if (chars >= 3) {
		size_t len = strlen(n->name);
		char *label = strndup(n->name, (size_t)chars < len ? (size_t)chars - 2 : len);

		if (label) {
			flame__xml_text(d->out, label);
			if ((size_t)chars < len)
				fputs("..", d->out);
			free(label);
		}
	}
	fputs("</text></g>\n", d->out);
	for (i = 0; i < n->nr; i++) {
		draw(d, n->kids[i], cx, depth + 1);
		cx += width_of(d, n->kids[i]) / d->total * (SVG_WIDTH - 20);
	}
}

/* Zoom, search and label fitting; runs in the browser, no external resources. */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"var W="
	"1180"
	",frames=[],orig=[];\n"
	"function init(){var gs=document.querySelectorAll('g.f');for(var i=0;i<gs.length;i++){\n"
	" var r=gs[i].querySelector('rect');frames.push(gs[i]);\n"
	" orig.push({x:+r.getAttribute('x'),w:+r.getAttribute('width'),y:+r.getAttribute('y')});\n"
	" gs[i].onclick=zoomTo.bind(null,i);}labels();}\n"
	"function name(g){var t=g.querySelector('title').textContent;return t.replace(/ "
	"\\([^(]*\\)$/,'');}\n"
	"function labels(){for(var i=0;i<frames.length;i++){var "
	"g=frames[i],r=g.querySelector('rect'),\n"
	" t=g.querySelector('text'),w=+r.getAttribute('width'),n=name(g),m=Math.floor((w-6)/7);\n"
	" t.setAttribute('x',+r.getAttribute('x')+3);\n"
	" t.textContent=m<3?'':(n.length<=m?n:n.substring(0,m-2)+'..');}}\n"
	"function zoomTo(i){var o=orig[i],s=W/o.w;for(var j=0;j<frames.length;j++){var p=orig[j],\n"
	" r=frames[j].querySelector('rect'),inside=p.x>=o.x-1e-6&&p.x+p.w<=o.x+o.w+1e-6&&p.y<=o.y;"
	"\n"
	" var below=p.y>o.y&&p.x<=o.x+1e-6&&p.x+p.w>=o.x+o.w-1e-6;\n"
	" if(inside){r.setAttribute('x',10+(p.x-o.x)*s);r.setAttribute('width',p.w*s);frames[j]."
	"style.display='';}\n"
	" else "
	"if(below){r.setAttribute('x',10);r.setAttribute('width',W);frames[j].style.display='';"
	"frames[j].style.opacity=0.6;}\n"
	" else frames[j].style.display='none';\n"
	" if(inside)frames[j].style.opacity=1;}\n"
	" if(i==0)for(var j=0;j<frames.length;j++){frames[j].style.opacity=1;}labels();}\n"
	"function search(){var re=prompt('Search (regular expression)');if(re===null)return;\n"
	" var rx;try{rx=new RegExp(re);}catch(e){alert(e);return;}var "
	"hit=0,tot=orig[0]?orig[0].w:1;\n"
	" var spans=[];for(var i=0;i<frames.length;i++){var r=frames[i].querySelector('rect');\n"
	" if(re!==''&&rx.test(name(frames[i]))){r.setAttribute('stroke','#c0f');r.setAttribute('"
	"stroke-width','2');\n"
	"  var p=orig[i],dup=false;for(var "
	"k=0;k<spans.length;k++)if(p.x>=spans[k][0]&&p.x+p.w<=spans[k][1])dup=true;\n"
	"  if(!dup){spans.push([p.x,p.x+p.w]);hit+=p.w;}}else r.removeAttribute('stroke');}\n"
	" document.getElementById('matched').textContent=re===''?'':'matched: "
	"'+(100*hit/tot).toFixed(2)+'%';}\n"
	"window.addEventListener('load',init);\n"
	"]]></script>\n";

int flame__write(FILE *out, const struct flame_node *root, const struct flame_style *st)
{
	struct draw d = {.out = out, .st = st};
	int depth = depth_of(root);

	d.total = width_of(&d, root) > 0 ? width_of(&d, root) : 1;
	d.height = PAD_TOP + PAD_BOTTOM + depth * FRAME_H;
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n",
		SVG_WIDTH, d.height, SVG_WIDTH, d.height);
	fprintf(out,
		"<style>text{font:12px monospace;fill:#000;pointer-events:none}"
		"g.f:hover rect{stroke:#000;stroke-width:0.5}#search{cursor:pointer}</style>\n");
	fputs(script, out);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fdfdf6\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"22\" style=\"font-size:16px\" text-anchor=\"middle\">",
		SVG_WIDTH / 2);
	flame__xml_text(out, st->title);
	fprintf(out,
		"</text>\n<text id=\"search\" x=\"%d\" y=\"22\" onclick=\"search()\">"
		"Search</text>\n<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n",
		SVG_WIDTH - 70, SVG_WIDTH - 200, d.height - 6);
	if (width_of(&d, root) > 0)
		draw(&d, root, 10, 0);
	else
		fprintf(out, "<text x=\"20\" y=\"%d\">no data for this selection</text>\n",
			PAD_TOP + 12);
	fputs("</svg>\n", out);
	return ferror(out) ? -EIO : 0;
}
