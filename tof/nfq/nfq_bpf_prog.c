/* The program iptables runs on GTP-U packets (see nfq_bpf.h), written as
 * BPF instructions with a small assembler: no compiler for the BPF target
 * and no loader library needed at build or run time.
 *
 * The packet is at the network header (iptables' view). The headers are
 * copied to the stack in two blocks (bpf_skb_load_bytes: the outer IP, UDP
 * and GTP-U headers, then the inner IP header) and read there at fixed
 * offsets; only the rare shapes (extension headers, echo replies) use the
 * legacy packet loads (LD_IND), which end the program with 0 when the
 * packet is too short. A packet too short for a block, or of a shape not
 * handled here (IPv4 options, IPv6 extension headers) returns 0 too: "send
 * it to tofd", whose pipeline passes what it cannot use.
 *
 * Registers: r6 the context (the loads need it there), r7 the GTP-U
 * header's offset in the packet and later the tunnel entry, r8 the GTP
 * flags and later the inner IP version, r9 the inner packet's offset. The
 * stack holds the lookup keys, zeroed first, and the header blocks: */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>

#include "nfq_bpf.h"

#define FP_KEY (-40)  /* struct nfq_bpf_key: teid, src[16] (-36), dst[16] (-20) */
#define FP_SVC (-56)  /* inner destination, 16 octets (the service key) */
#define FP_ISRC (-72) /* inner source, 16 octets */
#define FP_STAT (-80) /* u32 index into the counters */
#define FP_LOW (-80)  /* zeroed down to here */
#define FP_OUT (-120) /* outer block: IPv4 20 + UDP 8 + GTP-U 12; IPv6: its 40,
		       * then UDP + GTP-U at the IPv4 places (+20) */
#define FP_IN (-160)  /* inner block: the IPv4 (20) or IPv6 (40) header */
#define OUT_UDP 20    /* the UDP header in the outer block */
#define OUT_GTP 28    /* the GTP-U header in the outer block */

#define GTPU_PORT 2152

enum label { L_V4, L_V6, L_UDP, L_INNER, L_IN4, L_IN6, L_LOOKUP, L_UL6, L_DL, L_DL6, L_SVC,
	     L_SVC_MAP, L_COUNT, L_RET1,
	     L_RET0, L__COUNT };

struct asm_ctx {
	struct bpf_insn *out;
	size_t n, room;
	int at[L__COUNT];        /* instruction index of each label */
	struct {
		size_t insn;
		enum label to;
	} fix[64];               /* jumps to patch */
	size_t n_fix;
	bool overflow;
};

static void emit(struct asm_ctx *a, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		 int32_t imm)
{
	if (a->n >= a->room) {
		a->overflow = true;
		return;
	}
	a->out[a->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					    .off = off, .imm = imm };
}

static void label(struct asm_ctx *a, enum label l)
{
	a->at[l] = (int)a->n;
}

/* A conditional (or, with op BPF_JA, plain) jump to a label; reg_src >= 0
 * compares two registers. */
static void jmp(struct asm_ctx *a, uint8_t op, uint8_t dst, int reg_src, int32_t imm,
		enum label to)
{
	if (a->n_fix == sizeof(a->fix) / sizeof(a->fix[0])) {
		a->overflow = true;
		return;
	}
	a->fix[a->n_fix].insn = a->n;
	a->fix[a->n_fix++].to = to;
	if (reg_src >= 0)
		emit(a, BPF_JMP | op | BPF_X, dst, (uint8_t)reg_src, 0, 0);
	else
		emit(a, BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}

static void mov_imm(struct asm_ctx *a, uint8_t dst, int32_t imm)
{
	emit(a, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

static void mov_reg(struct asm_ctx *a, uint8_t dst, uint8_t src)
{
	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static void alu_imm(struct asm_ctx *a, uint8_t op, uint8_t dst, int32_t imm)
{
	emit(a, BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}

/* r0 = packet[reg + off] (LD_IND), in host order. */
static void ld_ind(struct asm_ctx *a, uint8_t size, uint8_t reg, int32_t off)
{
	emit(a, BPF_LD | BPF_IND | size, 0, reg, 0, off);
}

/* r0 = stack[off], as it is in the packet (network order). */
static void ld_stack(struct asm_ctx *a, uint8_t size, int16_t off)
{
	emit(a, BPF_LDX | BPF_MEM | size, BPF_REG_0, BPF_REG_10, off, 0);
}

/* Copy n octets (a multiple of 4) within the stack, in words of 8 where
 * both ends are aligned to 8 (the verifier wants aligned stack access). */
static void copy_stack(struct asm_ctx *a, int16_t to, int16_t from, int n)
{
	int step = (to % 8 == 0 && from % 8 == 0 && n % 8 == 0) ? 8 : 4;
	uint8_t size = step == 8 ? BPF_DW : BPF_W;

	for (int i = 0; i < n; i += step) {
		emit(a, BPF_LDX | BPF_MEM | size, BPF_REG_0, BPF_REG_10, (int16_t)(from + i), 0);
		emit(a, BPF_STX | BPF_MEM | size, BPF_REG_10, BPF_REG_0, (int16_t)(to + i), 0);
	}
}

/* The IPv4 address at stack[from] as ::ffff:a.b.c.d at stack[to]. */
static void v4_mapped(struct asm_ctx *a, int16_t to, int16_t from)
{
	copy_stack(a, (int16_t)(to + 12), from, 4);
	emit(a, BPF_ST | BPF_MEM | BPF_H, BPF_REG_10, 0, (int16_t)(to + 10), 0xffff);
}

/* stack[to..] = len octets of the packet from reg + off (reg < 0: from
 * off); a packet too short ends the program with 0. */
static void load_block(struct asm_ctx *a, int reg, int32_t off, int16_t to, int32_t len)
{
	mov_reg(a, BPF_REG_1, BPF_REG_6);
	if (reg >= 0) {
		mov_reg(a, BPF_REG_2, (uint8_t)reg);
		alu_imm(a, BPF_ADD, BPF_REG_2, off);
	} else {
		mov_imm(a, BPF_REG_2, off);
	}
	mov_reg(a, BPF_REG_3, BPF_REG_10);
	alu_imm(a, BPF_ADD, BPF_REG_3, to);
	mov_imm(a, BPF_REG_4, len);
	emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0, L_RET0);
}

/* r0 = map lookup of the key at fp + key_off in map fd. */
static void lookup(struct asm_ctx *a, int fd, int16_t key_off)
{
	emit(a, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(a, 0, 0, 0, 0, 0);
	mov_reg(a, BPF_REG_2, BPF_REG_10);
	alu_imm(a, BPF_ADD, BPF_REG_2, key_off);
	emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
}

/* Outer IPv4 (no options) or IPv6 header: the key's addresses; UDP and
 * GTP-U at OUT_UDP and OUT_GTP of the outer block; r7 = the GTP-U header's
 * offset in the packet. */
static void prog_outer(struct asm_ctx *a)
{
	load_block(a, -1, 0, FP_OUT, 40);
	ld_stack(a, BPF_B, FP_OUT);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0x45, L_V4);
	alu_imm(a, BPF_RSH, BPF_REG_0, 4);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 6, L_V6);
	jmp(a, BPF_JA, 0, -1, 0, L_RET0);

	label(a, L_V4);
	ld_stack(a, BPF_H, FP_OUT + 6); /* fragments: the pipeline's */
	alu_imm(a, BPF_AND, BPF_REG_0, htons(0x3fff));
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0, L_RET0);
	ld_stack(a, BPF_B, FP_OUT + 9);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 17, L_RET0);
	v4_mapped(a, FP_KEY + 4, FP_OUT + 12);
	v4_mapped(a, FP_KEY + 20, FP_OUT + 16);
	mov_imm(a, BPF_REG_7, 20 + 8);
	jmp(a, BPF_JA, 0, -1, 0, L_UDP);

	label(a, L_V6);
	ld_stack(a, BPF_B, FP_OUT + 6);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 17, L_RET0);
	copy_stack(a, FP_KEY + 4, FP_OUT + 8, 16);
	copy_stack(a, FP_KEY + 20, FP_OUT + 24, 16);
	load_block(a, -1, 40, FP_OUT + OUT_UDP, 20);
	mov_imm(a, BPF_REG_7, 40 + 8);
}

/* One GTP-U extension header: r9 past it, r0 = the next one's type. */
static void prog_ext(struct asm_ctx *a)
{
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_INNER);
	ld_ind(a, BPF_B, BPF_REG_9, 0);
	alu_imm(a, BPF_LSH, BPF_REG_0, 2);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_RET0);
	emit(a, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_9, BPF_REG_0, 0, 0);
	ld_ind(a, BPF_B, BPF_REG_9, -1);
}

/* UDP to 2152, a GTPv1-U G-PDU: the TEID, r9 = inner packet offset (up to
 * two extension headers, e.g. the PDU Session Container). */
static void prog_gtp(struct asm_ctx *a)
{
	label(a, L_UDP);
	ld_stack(a, BPF_H, FP_OUT + OUT_UDP + 2);
	jmp(a, BPF_JNE, BPF_REG_0, -1, htons(GTPU_PORT), L_RET0);
	ld_stack(a, BPF_B, FP_OUT + OUT_GTP);
	mov_reg(a, BPF_REG_8, BPF_REG_0);
	alu_imm(a, BPF_AND, BPF_REG_0, 0xf0); /* version 1, PT 1 */
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0x30, L_RET0);
	ld_stack(a, BPF_B, FP_OUT + OUT_GTP + 1);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0xff, L_RET0);
	copy_stack(a, FP_KEY, FP_OUT + OUT_GTP + 4, 4); /* the TEID */
	mov_reg(a, BPF_REG_9, BPF_REG_7);
	alu_imm(a, BPF_ADD, BPF_REG_9, 8);
	mov_reg(a, BPF_REG_0, BPF_REG_8);
	alu_imm(a, BPF_AND, BPF_REG_0, 0x07);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_INNER);
	alu_imm(a, BPF_ADD, BPF_REG_9, 4);
	mov_reg(a, BPF_REG_0, BPF_REG_8);
	alu_imm(a, BPF_AND, BPF_REG_0, 0x04);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_INNER);
	ld_stack(a, BPF_B, FP_OUT + OUT_GTP + 11);
	prog_ext(a);
	prog_ext(a);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0, L_RET0);
}

/* Inner IPv4 or IPv6: source and destination into the keys; an echo
 * reply with the pinger's identifier goes to tofd. */
static void prog_inner(struct asm_ctx *a, uint16_t ident)
{
	label(a, L_INNER);
	load_block(a, BPF_REG_9, 0, FP_IN, 20);
	ld_stack(a, BPF_B, FP_IN);
	mov_reg(a, BPF_REG_8, BPF_REG_0);
	alu_imm(a, BPF_RSH, BPF_REG_8, 4);
	jmp(a, BPF_JEQ, BPF_REG_8, -1, 4, L_IN4);
	jmp(a, BPF_JEQ, BPF_REG_8, -1, 6, L_IN6);
	jmp(a, BPF_JA, 0, -1, 0, L_RET0);

	label(a, L_IN4);
	v4_mapped(a, FP_ISRC, FP_IN + 12);
	v4_mapped(a, FP_SVC, FP_IN + 16);
	ld_stack(a, BPF_B, FP_IN + 9);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 1, L_LOOKUP); /* ICMP */
	ld_stack(a, BPF_B, FP_IN);
	alu_imm(a, BPF_AND, BPF_REG_0, 0x0f);
	alu_imm(a, BPF_LSH, BPF_REG_0, 2);
	emit(a, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_9, BPF_REG_0, 0, 0);
	ld_ind(a, BPF_B, BPF_REG_9, 0);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0, L_LOOKUP); /* echo reply */
	ld_ind(a, BPF_H, BPF_REG_9, 4);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, ident, L_RET0);
	jmp(a, BPF_JA, 0, -1, 0, L_LOOKUP);

	label(a, L_IN6);
	load_block(a, BPF_REG_9, 0, FP_IN, 40);
	copy_stack(a, FP_ISRC, FP_IN + 8, 16);
	copy_stack(a, FP_SVC, FP_IN + 24, 16);
	ld_stack(a, BPF_B, FP_IN + 6);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 58, L_LOOKUP); /* ICMPv6 */
	ld_ind(a, BPF_B, BPF_REG_9, 40);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 129, L_LOOKUP); /* echo reply */
	ld_ind(a, BPF_H, BPF_REG_9, 44);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, ident, L_RET0);
}

/* The address at stack[off] is the UE's (IPv4 exact, IPv6 by its /64):
 * on to `ok`, else tofd. r7 = the tunnel entry, r8 = the inner version. */
static void prog_ue_check(struct asm_ctx *a, int16_t off, enum label v6, enum label ok)
{
	jmp(a, BPF_JEQ, BPF_REG_8, -1, 6, v6);
	emit(a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_0, BPF_REG_7, offsetof(struct nfq_bpf_tun, has4), 0);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_RET0);
	emit(a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_7, offsetof(struct nfq_bpf_tun, ue4), 0);
	emit(a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_10, (int16_t)(off + 12), 0);
	jmp(a, BPF_JNE, BPF_REG_0, BPF_REG_1, 0, L_RET0);
	jmp(a, BPF_JA, 0, -1, 0, ok);
	label(a, v6);
	emit(a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_0, BPF_REG_7, offsetof(struct nfq_bpf_tun, has6), 0);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_RET0);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_7, offsetof(struct nfq_bpf_tun, ue6), 0);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_10, off, 0);
	jmp(a, BPF_JNE, BPF_REG_0, BPF_REG_1, 0, L_RET0);
	jmp(a, BPF_JA, 0, -1, 0, ok);
}

/* The tunnel entry: confirmed and not expired; the UE's address as the
 * inner source (uplink) or destination (downlink); uplink: not to a
 * service. Then count and return 1. */
static void prog_decide(struct asm_ctx *a, const struct nfq_bpf *b)
{
	const int16_t o_dir = offsetof(struct nfq_bpf_tun, dir);

	label(a, L_LOOKUP);
	lookup(a, b->tun_fd, FP_KEY);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_RET0);
	mov_reg(a, BPF_REG_7, BPF_REG_0);
	/* the coarse clock (a tick's precision) costs a fraction of the fine */
	emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ktime_get_coarse_ns);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_7, 0, 0); /* until_ns */
	jmp(a, BPF_JGT, BPF_REG_0, BPF_REG_1, 0, L_RET0);
	emit(a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_0, BPF_REG_7, o_dir, 0);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, NFQ_BPF_DOWNLINK, L_DL);
	jmp(a, BPF_JNE, BPF_REG_0, -1, NFQ_BPF_UPLINK, L_RET0);
	prog_ue_check(a, FP_ISRC, L_UL6, L_SVC);
	label(a, L_DL);
	prog_ue_check(a, FP_SVC, L_DL6, L_COUNT);

	label(a, L_SVC); /* the filter first: most destinations are no service */
	emit(a, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, FP_STAT, 0);
	lookup(a, b->filter_fd, FP_STAT);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_SVC_MAP);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 0, 0);
	emit(a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_10, FP_SVC + 12, 0);
	emit(a, BPF_ALU | BPF_MUL | BPF_K, BPF_REG_2, 0, 0, (int32_t)NFQ_BPF_FILTER_MUL);
	emit(a, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_2, 0, 0, 26);
	emit(a, BPF_ALU64 | BPF_RSH | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
	alu_imm(a, BPF_AND, BPF_REG_1, 1);
	jmp(a, BPF_JEQ, BPF_REG_1, -1, 0, L_COUNT);
	label(a, L_SVC_MAP);
	lookup(a, b->svc_fd, FP_SVC);
	jmp(a, BPF_JNE, BPF_REG_0, -1, 0, L_RET0);

	label(a, L_COUNT); /* counters [dir - 1]: packets, octets */
	emit(a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_0, BPF_REG_7, o_dir, 0);
	alu_imm(a, BPF_ADD, BPF_REG_0, -1);
	emit(a, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_0, FP_STAT, 0);
	lookup(a, b->stats_fd, FP_STAT);
	jmp(a, BPF_JEQ, BPF_REG_0, -1, 0, L_RET1);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 0, 0);
	alu_imm(a, BPF_ADD, BPF_REG_1, 1);
	emit(a, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_1, 0, 0);
	emit(a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6,
	     (int16_t)offsetof(struct __sk_buff, len), 0);
	emit(a, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 8, 0);
	emit(a, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
	emit(a, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_1, 8, 0);
	label(a, L_RET1);
	mov_imm(a, BPF_REG_0, 1);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	label(a, L_RET0);
	mov_imm(a, BPF_REG_0, 0);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

size_t nfq_bpf_prog_build(struct bpf_insn *out, size_t room, const struct nfq_bpf *b,
			  uint16_t pinger_ident)
{
	struct asm_ctx a;

	memset(&a, 0, sizeof(a));
	a.out = out;
	a.room = room;
	for (int l = 0; l < L__COUNT; l++)
		a.at[l] = -1;
	mov_reg(&a, BPF_REG_6, BPF_REG_1);
	for (int16_t off = -8; off >= FP_LOW; off -= 8)
		emit(&a, BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, off, 0);
	prog_outer(&a);
	prog_gtp(&a);
	prog_inner(&a, pinger_ident);
	prog_decide(&a, b);
	for (size_t i = 0; i < a.n_fix && !a.overflow; i++) {
		int to = a.at[a.fix[i].to];
		if (to < 0)
			return 0;
		out[a.fix[i].insn].off = (int16_t)(to - (int)a.fix[i].insn - 1);
	}
	return a.overflow ? 0 : a.n;
}
