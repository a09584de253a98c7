/*
 * Native reference for bench/envs.js: steps one of llmdpd's locomotion MJCF files with the same
 * loop the TypeScript env runs (frame skip, uniform random controls in [-1, 1], the env's healthy
 * check, a 1000-step time limit, uniform reset noise) and prints one JSON line with the env steps
 * per second. Like the TypeScript env it skips Gymnasium's per-step mj_rnePostConstraint, which
 * only fills contact-force fields these envs never read. Built by bench/envs.js against Debian's libmujoco-dev (MuJoCo 2.2.2):
 *
 *   cc -O2 -o locomotion_bench locomotion_bench.c -lmujoco
 *   ./locomotion_bench <model.xml> <frame_skip> <env_steps> <healthy: none|hopper|walker>
 *
 * The random numbers come from xorshift64*, not the library's Rng: only the amount of work has to
 * match, not the trajectories.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mujoco/mujoco.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* Uniform double in [0, 1) from xorshift64*. */
static double rand_unit(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The env's reset: mj_resetData, uniform noise of half-width `scale` on qpos and qvel, mj_forward. */
static void reset_episode(const mjModel* m, mjData* d, double scale) {
  mj_resetData(m, d);
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + scale * (2.0 * rand_unit() - 1.0);
  for (int i = 0; i < m->nv; i++) d->qvel[i] = scale * (2.0 * rand_unit() - 1.0);
  mj_forward(m, d);
}

/* The env's termination rule on the post-step state; 0 means keep going. */
static int unhealthy(const mjModel* m, const mjData* d, const char* kind) {
  double z = d->qpos[1], angle = d->qpos[2];
  if (strcmp(kind, "hopper") == 0) {
    for (int i = 2; i < m->nq; i++) if (!(fabs(d->qpos[i]) < 100.0)) return 1;
    for (int i = 0; i < m->nv; i++) if (!(fabs(d->qvel[i]) < 100.0)) return 1;
    return !(z > 0.7 && angle > -0.2 && angle < 0.2);
  }
  if (strcmp(kind, "walker") == 0) return !(z > 0.8 && z < 2.0 && angle > -1.0 && angle < 1.0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <model.xml> <frame_skip> <env_steps> <none|hopper|walker>\n", argv[0]);
    return 2;
  }
  char error[1000] = "";
  mjModel* m = mj_loadXML(argv[1], NULL, error, sizeof(error));
  if (m == NULL) {
    fprintf(stderr, "could not load %s: %s\n", argv[1], error);
    return 1;
  }
  mjData* d = mj_makeData(m);
  int frame_skip = atoi(argv[2]);
  long env_steps = atol(argv[3]);
  const char* kind = argv[4];
  double noise = strcmp(kind, "none") == 0 ? 0.1 : 0.005;

  long episodes = 1, t = 0;
  reset_episode(m, d, noise);
  double t0 = now_seconds();
  for (long step = 0; step < env_steps; step++) {
    for (int i = 0; i < m->nu; i++) d->ctrl[i] = 2.0 * rand_unit() - 1.0;
    for (int k = 0; k < frame_skip; k++) mj_step(m, d);
    t++;
    if (unhealthy(m, d, kind) || t >= 1000) {
      reset_episode(m, d, noise);
      episodes++;
      t = 0;
    }
  }
  double seconds = now_seconds() - t0;
  printf("{\"mujocoVersion\":\"%s\",\"envSteps\":%ld,\"episodes\":%ld,\"seconds\":%.6f,\"stepsPerSecond\":%.1f}\n",
         mj_versionString(), env_steps, episodes, seconds, (double)env_steps / seconds);
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
