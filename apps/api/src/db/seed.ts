import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import { withTransaction } from './transaction';

const SEED_FILE = path.resolve(__dirname, '..', '..', 'data', 'courses.json');

interface SeedQuiz {
  id: string;
  title: string;
  passScore: number;
  rewardAmount: string;
  questions: Array<{ id: string; text: string; choices: string[]; answer: number }>;
}
interface SeedCourse {
  id: string;
  title: string;
  description: string;
  quizzes: SeedQuiz[];
}

/** Upserts the demo course and its quizzes from data/courses.json (idempotent). */
export async function seedCourses(pool: Pool, file = SEED_FILE): Promise<number> {
  const { courses } = JSON.parse(await readFile(file, 'utf8')) as { courses: SeedCourse[] };
  await withTransaction(pool, async (client) => {
    for (const course of courses) {
      await client.query(
        `INSERT INTO courses (id, title, description) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description`,
        [course.id, course.title, course.description],
      );
      for (const [position, quiz] of course.quizzes.entries()) {
        await client.query(
          `INSERT INTO quizzes (id, course_id, title, position, pass_score, reward_amount, questions)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, position = EXCLUDED.position,
             pass_score = EXCLUDED.pass_score, reward_amount = EXCLUDED.reward_amount, questions = EXCLUDED.questions`,
          [quiz.id, course.id, quiz.title, position, quiz.passScore, quiz.rewardAmount, JSON.stringify(quiz.questions)],
        );
      }
    }
  });
  return courses.length;
}
