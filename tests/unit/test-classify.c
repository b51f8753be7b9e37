// SPDX-License-Identifier: MIT OR Apache-2.0
/* Frame classification: one table row per rule and per tricky name shape. */
#include "tap.h"

#include "classify.h"

TAP_DEFINE_GLOBALS;

#define APP	"/srv/app/target/release/hud-fixture"
#define APP_SRC "/home/u/hud/tests/fixtures/tokio-blockers/src/main.rs"
#define RUSTC	"/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/"
#define REG	"/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/"
#define LIBC	"/usr/lib/x86_64-linux-gnu/libc.so.6"

struct row {
	const char *function, *file, *dso;
	int is_kernel;
	enum hud_frame_class want;
};

static const struct row kernel_unknown[] = {
	{"schedule", NULL, "[kernel]", 1, HUD_FC_KERNEL},
	{NULL, NULL, "[kernel]", 1, HUD_FC_KERNEL},
	{NULL, NULL, APP, 0, HUD_FC_UNKNOWN},
	{NULL, NULL, NULL, 0, HUD_FC_UNKNOWN},
};

static const struct row user[] = {
	{"hud_fixture::cpu_hog", APP_SRC, APP, 0, HUD_FC_USER},
	{"hud_fixture::main::{{closure}}", APP_SRC, APP, 0, HUD_FC_USER},
	{"hud_fixture::main::{closure#0}", APP_SRC, APP, 0, HUD_FC_USER},
	{"hud_fixture::handlers::blocking_sleep::{{closure}}", APP_SRC, APP, 0, HUD_FC_USER},
	/* impls: the type's crate first */
	{"<hud_fixture::Foo as core::ops::drop::Drop>::drop", APP_SRC, APP, 0, HUD_FC_USER},
	{"<&mut hud_fixture::Foo as core::fmt::Debug>::fmt", APP_SRC, APP, 0, HUD_FC_USER},
	{"<hud_fixture::Foo>::new", APP_SRC, APP, 0, HUD_FC_USER},
	/* a primitive type with the user's trait: the trait's crate */
	{"<u64 as hud_fixture::Hash2>::hash2", APP_SRC, APP, 0, HUD_FC_USER},
	/* no DWARF, no crate path: C code or unknown Rust */
	{"main", NULL, APP, 0, HUD_FC_USER},
	{"process_request", NULL, APP, 0, HUD_FC_USER},
	{"hud_fixture::cpu_hog", NULL, NULL, 0, HUD_FC_USER},
	/* C++ user code */
	{"app::Server::run()", "/src/app/server.cc", "/opt/app/bin/server", 0, HUD_FC_USER},
	/* libc-like names inside the main program (static binary) stay the program's */
	{"syscall", NULL, APP, 0, HUD_FC_USER},
};

static const struct row std_rows[] = {
	{"std::thread::sleep", RUSTC "std/src/thread/mod.rs", APP, 0, HUD_FC_STD},
	{"core::ptr::drop_in_place<hud_fixture::Foo>", APP_SRC, APP, 0, HUD_FC_STD},
	{"core::ptr::drop_in_place::<hud_fixture::Foo>", NULL, APP, 0, HUD_FC_STD},
	{"alloc::vec::Vec<T,A>::push", NULL, APP, 0, HUD_FC_STD},
	{"<std::fs::File as std::io::Read>::read", NULL, APP, 0, HUD_FC_STD},
	{"<core::ops::range::Range<T> as core::iter::range::RangeIteratorImpl>::spec_next", NULL,
	 APP, 0, HUD_FC_STD},
	{"<alloc::vec::Vec<hud_fixture::Foo> as core::ops::drop::Drop>::drop", NULL, APP, 0,
	 HUD_FC_STD},
	/* v0 inherent impls on primitives, and primitive types with std traits */
	{"<u64>::wrapping_mul", RUSTC "core/src/num/uint_macros.rs", APP, 0, HUD_FC_STD},
	{"<u64>::wrapping_mul", NULL, APP, 0, HUD_FC_STD},
	{"<[u8]>::to_vec", NULL, APP, 0, HUD_FC_STD},
	{"<str as core::fmt::Display>::fmt", NULL, APP, 0, HUD_FC_STD},
	{"<&str as core::fmt::Display>::fmt", NULL, APP, 0, HUD_FC_STD},
	{"<dyn core::any::Any>::is", NULL, APP, 0, HUD_FC_STD},
	{"core::num::<impl u64>::wrapping_mul", NULL, APP, 0, HUD_FC_STD},
	/* by file alone */
	{"__rust_begin_short_backtrace", RUSTC "std/src/sys/backtrace.rs", APP, 0, HUD_FC_STD},
	{"spec_next", "library/core/src/iter/range.rs", APP, 0, HUD_FC_STD},
	{"hashbrown::raw::RawTable<T,A>::reserve_rehash", "/rust/deps/hashbrown-0.15.2/src/raw.rs",
	 APP, 0, HUD_FC_STD},
	{"<hashbrown::raw::RawTable<T,A> as core::ops::drop::Drop>::drop",
	 "/rust/deps/hashbrown-0.16.1/src/raw/mod.rs", APP, 0, HUD_FC_STD},
	{"std::rt::lang_start_internal", NULL, APP, 0, HUD_FC_STD},
	{"proc_macro::bridge::client::run", NULL, APP, 0, HUD_FC_STD},
	/* std's own dependencies, prebuilt without line info */
	{"<gimli::read::abbrev::Abbreviations>::insert", NULL, APP, 0, HUD_FC_STD},
	{"miniz_oxide::inflate::core::decompress", NULL, APP, 0, HUD_FC_STD},
	{"<&[u8] as object::read::read_ref::ReadRef>::read_bytes_at_until", NULL, APP, 0,
	 HUD_FC_STD},
	{"__rustc::__rust_alloc", NULL, APP, 0, HUD_FC_STD},
	/* dynamically linked Rust std */
	{"std::thread::sleep", NULL, "/home/u/.rustup/toolchains/x/lib/libstd-1a2b3c.so", 0,
	 HUD_FC_STD},
};

static const struct row runtime[] = {
	{"tokio::runtime::park::Inner::park", REG "tokio-1.38.0/src/runtime/park.rs", APP, 0,
	 HUD_FC_RUNTIME},
	{"tokio::runtime::scheduler::multi_thread::worker::Context::run", NULL, APP, 0,
	 HUD_FC_RUNTIME},
	{"<tokio::runtime::blocking::task::BlockingTask<T> as core::future::future::Future>::poll",
	 REG "tokio-1.38.0/src/runtime/blocking/task.rs", APP, 0, HUD_FC_RUNTIME},
	{"<tokio::time::sleep::Sleep>::new_timeout", NULL, APP, 0, HUD_FC_RUNTIME},
	{"tokio_util::codec::framed_impl::FramedImpl::poll_next", NULL, APP, 0, HUD_FC_RUNTIME},
	{"tokio_macros::entry::main", NULL, APP, 0, HUD_FC_RUNTIME},
	{"mio::poll::Poll::poll", REG "mio-0.8.11/src/poll.rs", APP, 0, HUD_FC_RUNTIME},
	{"futures_util::future::join_all::JoinAll::poll", NULL, APP, 0, HUD_FC_RUNTIME},
	{"futures::executor::block_on", NULL, APP, 0, HUD_FC_RUNTIME},
	{"hyper::proto::h1::dispatch::Dispatcher::poll_loop", NULL, APP, 0, HUD_FC_RUNTIME},
	{"tower::util::oneshot::Oneshot::poll", NULL, APP, 0, HUD_FC_RUNTIME},
	{"axum::routing::Router::call", NULL, APP, 0, HUD_FC_RUNTIME},
	{"tracing::span::Span::enter", NULL, APP, 0, HUD_FC_RUNTIME},
	{"tracing_core::dispatcher::get_default", NULL, APP, 0, HUD_FC_RUNTIME},
	/* name not a crate path, but the source is a runtime crate in the registry */
	{"{closure#0}", REG "tokio-util-0.7.10/src/codec/framed.rs", APP, 0, HUD_FC_RUNTIME},
	{"run", "/usr/share/cargo/registry/tokio-1.24.2/src/runtime/mod.rs", APP, 0,
	 HUD_FC_RUNTIME},
	/* a std generic instantiated for a runtime type is std's code */
	{"core::ptr::drop_in_place<tokio::runtime::Runtime>", NULL, APP, 0, HUD_FC_STD},
};

static const struct row third_party[] = {
	{"parking_lot::raw_mutex::RawMutex::lock_slow", REG "parking_lot-0.12.1/src/raw_mutex.rs",
	 APP, 0, HUD_FC_THIRD_PARTY},
	{"serde_json::de::from_str", REG "serde_json-1.0.1/src/de.rs", APP, 0, HUD_FC_THIRD_PARTY},
	{"<serde_json::Value as core::clone::Clone>::clone", REG "serde_json-1.0.1/src/value.rs",
	 APP, 0, HUD_FC_THIRD_PARTY},
	{"regex::Regex::new", "/build/app/vendor/regex/src/regex.rs", APP, 0, HUD_FC_THIRD_PARTY},
	{"git_dep::f", "/home/u/.cargo/git/checkouts/git_dep-1234/abcdef/src/lib.rs", APP, 0,
	 HUD_FC_THIRD_PARTY},
	{"sha2::compress", "/usr/local/cargo/registry/src/index.crates.io-x/sha2-0.10.8/src/lib.rs",
	 APP, 0, HUD_FC_THIRD_PARTY},
	/* a std dependency the user also depends on, from the registry */
	{"hashbrown::map::HashMap<K,V,S>::insert", REG "hashbrown-0.14.5/src/map.rs", APP, 0,
	 HUD_FC_THIRD_PARTY},
	/* tokio-postgres is not the runtime */
	{"tokio_postgres::query", REG "tokio-postgres-0.7.10/src/query.rs", APP, 0,
	 HUD_FC_THIRD_PARTY},
	/* parking_lot without DWARF: nothing says it is not the user's */
	{"parking_lot::raw_mutex::RawMutex::lock_slow", NULL, APP, 0, HUD_FC_USER},
};

static const struct row system[] = {
	{"__GI___clock_nanosleep", NULL, LIBC, 0, HUD_FC_SYSTEM},
	{"read", NULL, LIBC, 0, HUD_FC_SYSTEM},
	{"start_thread", NULL, "/lib/x86_64-linux-gnu/libc.so.6", 0, HUD_FC_SYSTEM},
	{"__libc_start_main", NULL, "/usr/lib/libc-2.31.so", 0, HUD_FC_SYSTEM},
	{"pthread_cond_wait", NULL, "/lib/x86_64-linux-gnu/libpthread.so.0", 0, HUD_FC_SYSTEM},
	{"_dl_runtime_resolve_xsavec", NULL, "/lib64/ld-linux-x86-64.so.2", 0, HUD_FC_SYSTEM},
	{"__pow", NULL, "/lib/x86_64-linux-gnu/libm.so.6", 0, HUD_FC_SYSTEM},
	{"_Unwind_Backtrace", NULL, "/lib/x86_64-linux-gnu/libgcc_s.so.1", 0, HUD_FC_SYSTEM},
	/* libstdc++ is not Rust std even though its names start with std:: */
	{"std::condition_variable::wait(std::unique_lock<std::mutex>&)", NULL,
	 "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", 0, HUD_FC_SYSTEM},
	{"__vdso_clock_gettime", NULL, "[vdso]", 0, HUD_FC_SYSTEM},
	/* other shared libraries in system directories */
	{"SSL_read", NULL, "/usr/lib/x86_64-linux-gnu/libssl.so.3", 0, HUD_FC_SYSTEM},
	/* libc-internal names when the DSO is a shared library or unknown */
	{"__GI___poll", NULL, "/opt/glibc/lib/libc-custom.so", 0, HUD_FC_SYSTEM},
	{"syscall", NULL, NULL, 0, HUD_FC_SYSTEM},
	{"__libc_recv", NULL, NULL, 0, HUD_FC_SYSTEM},
	/* C runtime startup code, even inside the main program */
	{"_start", NULL, APP, 0, HUD_FC_SYSTEM},
	/* a Rust crate shipped as a shared library outside system directories is not system */
	{"plugin::run", "/opt/plugin/src/lib.rs", "/opt/plugin/libplugin.so", 0, HUD_FC_USER},
};

static void check_rows(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		enum hud_frame_class got =
			hud_classify_frame(r->function, r->file, r->dso, r->is_kernel);

		if (got != r->want)
			tap_fail_("%s | %s | %s: got %s, want %s",
				  r->function ? r->function : "(null)",
				  r->file ? r->file : "(null)", r->dso ? r->dso : "(null)",
				  hud_frame_class__name(got), hud_frame_class__name(r->want));
	}
}

#define CHECK_ROWS(t) check_rows(t, sizeof(t) / sizeof((t)[0]))

static void t_names(void)
{
	check_str(hud_frame_class__name(HUD_FC_USER), "user");
	check_str(hud_frame_class__name(HUD_FC_STD), "std");
	check_str(hud_frame_class__name(HUD_FC_RUNTIME), "runtime");
	check_str(hud_frame_class__name(HUD_FC_THIRD_PARTY), "third-party");
	check_str(hud_frame_class__name(HUD_FC_SYSTEM), "system");
	check_str(hud_frame_class__name(HUD_FC_KERNEL), "kernel");
	check_str(hud_frame_class__name(HUD_FC_UNKNOWN), "unknown");
	check_str(hud_frame_class__name((enum hud_frame_class)99), "unknown");
}

/* Odd inputs must not crash or read out of bounds. */
static void t_malformed(void)
{
	static const char *const names[] = {
		"",
		"<",
		"<<<<<<<<<<<<<<<<<<<<",
		"< as ",
		"<u64 as ",
		"<fn() -> u8 as core::X>::f",
		"::",
		"<>::f",
		"<(A, B) as core::Y>::g",
		"<[hud::Foo; 3]>::len",
		"<'a>",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum hud_frame_class c = hud_classify_frame(names[i], "", "", 0);

		check(c == HUD_FC_USER || c == HUD_FC_STD);
	}
	check_int(hud_classify_frame("<fn() -> u8 as core::X>::f", NULL, APP, 0), ==, HUD_FC_STD);
	check_int(hud_classify_frame("<(u8, u8) as core::Y>::g", NULL, APP, 0), ==, HUD_FC_STD);
}

int main(void)
{
	TEST(CHECK_ROWS(kernel_unknown), "kernel frames and unknown functions");
	TEST(CHECK_ROWS(user), "user code: paths, closures, impls of user types, C names");
	TEST(CHECK_ROWS(std_rows), "Rust std by crate, impl type, file, v0 primitive impls");
	TEST(CHECK_ROWS(runtime), "runtime crates by name and by registry directory");
	TEST(CHECK_ROWS(third_party), "third-party crates by source path");
	TEST(CHECK_ROWS(system), "system libraries, libc internals, crt startup");
	TEST(t_names(), "class names");
	TEST(t_malformed(), "malformed names");
	return test_done();
}
