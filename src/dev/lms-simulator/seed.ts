/**
 * The seeded course: one instructor, one teaching assistant and 30 students with fictional names.
 * Ids are derived deterministically (same seed → same ids on every run and in every test).
 */
import { createHash } from 'node:crypto';
import type { ProfileName } from './profiles.js';

export type CourseRole = 'instructor' | 'ta' | 'student';

export interface SeedUser {
  /** Stable handle used by the dev page and tests: `instructor`, `ta`, `student-01` … `student-30`. */
  readonly key: string;
  /** The LTI `sub` / NRPS `user_id`: a UUID on Canvas, a numeric string on Moodle. */
  readonly sub: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly name: string;
  readonly email: string;
  readonly role: CourseRole;
  /** Canvas's LTI 1.1 id (`lti11_legacy_user_id`), a 40-hex digest; also set (unused) on Moodle. */
  readonly legacyUserId: string;
  /** The LMS's own numeric user id (Canvas `canvas_user_id`, Moodle user id). */
  readonly numericId: number;
  readonly sourcedId: string;
  readonly status: 'Active' | 'Inactive';
}

export interface SeedCourse {
  /** The id in service URLs (Canvas course id, Moodle course id). */
  readonly id: string;
  /** The LTI `context.id` (Canvas: opaque digest; Moodle: the course id). */
  readonly contextId: string;
  readonly label: string;
  readonly title: string;
}

const STUDENT_NAMES: readonly (readonly [string, string])[] = [
  ['Ana', 'Lopez'],
  ['Sam', 'Okafor'],
  ['Priya', 'Raman'],
  ['Jonas', 'Becker'],
  ['Mei', 'Tanaka'],
  ['Tomás', 'Herrera'],
  ['Aisha', 'Bello'],
  ['Liam', 'O’Connor'],
  ['Sofia', 'Marino'],
  ['Kwame', 'Mensah'],
  ['Elena', 'Petrova'],
  ['Noah', 'Fischer'],
  ['Yara', 'Haddad'],
  ['Mateo', 'Silva'],
  ['Hannah', 'Nguyen'],
  ['Omar', 'Farouk'],
  ['Chloe', 'Dubois'],
  ['Ravi', 'Iyer'],
  ['Freya', 'Lindqvist'],
  ['Diego', 'Castillo'],
  ['Zoe', 'Papadopoulos'],
  ['Ethan', 'Walker'],
  ['Amara', 'Nwosu'],
  ['Lukas', 'Novak'],
  ['Isla', 'MacLeod'],
  ['Hiro', 'Sato'],
  ['Nadia', 'Kowalski'],
  ['Felix', 'Brandt'],
  ['Leila', 'Karimi'],
  ['Owen', 'Davies'],
];

const digest = (text: string): string => createHash('sha1').update(text).digest('hex');

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const emailLocal = (given: string, family: string): string =>
  `${given}.${family}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f’']/g, '')
    .toLowerCase();

export function seedCourse(profile: ProfileName): SeedCourse {
  return profile === 'canvas'
    ? {
        id: '42',
        contextId: digest('canvas-course-42'),
        label: 'MATH 101',
        title: 'Algebra Foundations',
      }
    : { id: '12', contextId: '12', label: 'ALG1', title: 'Algebra 1' };
}

/** The roster: instructor, TA and `studentCount` students (30 by default; more reuse names with a number). */
export function seedUsers(profile: ProfileName, studentCount = 30): SeedUser[] {
  const domain = profile === 'canvas' ? 'example.edu' : 'example.org';
  const people: { key: string; given: string; family: string; role: CourseRole }[] = [
    { key: 'instructor', given: 'Grace', family: 'Hopkins', role: 'instructor' },
    { key: 'ta', given: 'Malik', family: 'Johnson', role: 'ta' },
    ...Array.from({ length: studentCount }, (_unused, i) => {
      const [given, family] = STUDENT_NAMES[i % STUDENT_NAMES.length] ?? ['Student', 'Unknown'];
      const round = Math.floor(i / STUDENT_NAMES.length);
      return {
        key: `student-${String(i + 1).padStart(2, '0')}`,
        given,
        family: round === 0 ? family : `${family}-${round + 1}`,
        role: 'student' as const,
      };
    }),
  ];
  return people.map((p, index) => {
    const numericId = profile === 'canvas' ? 1001 + index : 3 + index;
    return {
      key: p.key,
      sub: profile === 'canvas' ? uuidFrom(`canvas-user-${p.key}`) : String(numericId),
      givenName: p.given,
      familyName: p.family,
      name: `${p.given} ${p.family}`,
      email: `${emailLocal(p.given, p.family)}@${domain}`,
      role: p.role,
      legacyUserId: digest(`${profile}-legacy-${p.key}`),
      numericId,
      sourcedId: profile === 'canvas' ? String(2026000 + index) : '',
      status: 'Active',
    };
  });
}

export { digest, uuidFrom };
